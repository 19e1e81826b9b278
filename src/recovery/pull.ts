import { ProviderError } from '../errors.js';

/** One progress line of Ollama's /api/pull stream. */
export interface PullProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/**
 * Pulls a model through Ollama's POST /api/pull (NDJSON progress). The server reports errors
 * inside a 200 stream (`{"error": …}`), so every line is checked; success is the `success` line.
 */
export async function pullModel(
  endpoint: string,
  model: string,
  opts: { onProgress?: (p: PullProgress) => void; signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<void> {
  const doFetch = opts.fetch ?? fetch;
  const url = `${endpoint.replace(/\/+$/, '')}/api/pull`;
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true }),
      signal: opts.signal,
    });
  } catch (cause) {
    throw new ProviderError('PROVIDER_UNREACHABLE', `cannot reach ${endpoint} to pull ${model}`, {
      hint: 'start Ollama with `ollama serve`',
      cause,
      details: { endpoint, model },
      retryable: true,
    });
  }
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => '');
    throw new ProviderError('PROVIDER_ERROR', `pull of ${model} failed: HTTP ${res.status} ${text.slice(0, 200)}`, {
      status: res.status,
      hint: `try \`ollama pull ${model}\` by hand`,
      details: { endpoint, model },
    });
  }
  const decoder = new TextDecoder();
  let buf = '';
  let success = false;
  const handle = (line: string) => {
    if (!line.trim()) return;
    const msg = JSON.parse(line) as PullProgress & { error?: string };
    if (msg.error) {
      throw new ProviderError('MODEL_NOT_FOUND', `pull of ${model} failed: ${msg.error}`, {
        hint: 'check the model name and tag on https://ollama.com/library',
        details: { endpoint, model },
      });
    }
    opts.onProgress?.(msg);
    if (msg.status === 'success') success = true;
  };
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      handle(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
  handle(buf + decoder.decode());
  if (!success) {
    throw new ProviderError('PROVIDER_ERROR', `pull of ${model} ended without success`, {
      hint: `retry, or run \`ollama pull ${model}\``,
      details: { endpoint, model },
      retryable: true,
    });
  }
}
