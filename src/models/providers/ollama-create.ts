/**
 * Ollama model creation with a LoRA adapter, over its native API: the adapter file is pushed as a
 * blob (`HEAD /api/blobs/sha256:<digest>`, then `POST` with the bytes when absent), and
 * `POST /api/create {model, from, adapters: {<file>: <digest>}}` makes the model, which then appears
 * in `ollama list`. Status lines stream as NDJSON; an `{"error"}` line fails the creation.
 */
import { createHash } from 'node:crypto';
import { ProviderError } from '../../errors.js';
import { wireError } from './call.js';
import { errorBodyMessage, httpError } from './errors.js';
import { fetchJson } from './http-json.js';
import { readNdjson } from './ndjson.js';

export interface OllamaCreateInput {
  endpoint: string;
  /** Name of the new model (`alias` → `alias:latest`). */
  name: string;
  /** The base model, as Ollama names it. */
  from: string;
  adapter: Uint8Array;
  adapterFile: string;
  onStatus?: (status: string) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

const base = (endpoint: string) => endpoint.replace(/\/+$/, '').replace(/\/api$/, '');

/** The family Ollama reports for a model (`/api/show` details.family), or undefined when it says none. */
export async function ollamaModelFamily(
  endpoint: string,
  model: string,
  f: typeof fetch = fetch,
): Promise<string | undefined> {
  const url = base(endpoint);
  try {
    const show = (await fetchJson(f, `${url}/api/show`, { json: { model } }, (status, message) =>
      httpError('ollama', url, status, message, model),
    )) as { details?: { family?: string } };
    return show.details?.family || undefined;
  } catch (e) {
    throw wireError(e, 'ollama', url, undefined);
  }
}

/** Pushes the adapter blob and creates the model; returns the blob digest. */
export async function createOllamaModelWithAdapter(o: OllamaCreateInput): Promise<{ digest: string; model: string }> {
  const f = o.fetch ?? fetch;
  const url = base(o.endpoint);
  const digest = `sha256:${createHash('sha256').update(o.adapter).digest('hex')}`;
  const model = o.name.includes(':') ? o.name : `${o.name}:latest`;
  try {
    const head = await f(`${url}/api/blobs/${digest}`, { method: 'HEAD', ...(o.signal ? { signal: o.signal } : {}) });
    if (head.status !== 200) {
      o.onStatus?.(`pushing adapter blob ${digest.slice(0, 19)}… (${o.adapter.length} bytes)`);
      const put = await f(`${url}/api/blobs/${digest}`, {
        method: 'POST',
        body: o.adapter,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      if (!put.ok) throw httpError('ollama', url, put.status, errorBodyMessage(await put.text()) || put.statusText);
    }
    const res = await f(`${url}/api/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify({ model, from: o.from, adapters: { [o.adapterFile]: digest }, stream: true }),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if (!res.ok || !res.body)
      throw new ProviderError(
        'PROVIDER_ERROR',
        `Ollama refused to create ${model}: ${errorBodyMessage(await res.text()) || res.statusText}`,
        {
          hint: `check that ${o.from} exists on ${url} (\`ollama list\`) and the adapter was trained for it`,
          details: { endpoint: url, model },
        },
      );
    let success = false;
    for await (const raw of readNdjson(res.body, 'Ollama')) {
      const line = raw as { status?: string; error?: string };
      if (line.error)
        throw new ProviderError('PROVIDER_ERROR', `Ollama could not create ${model}: ${line.error}`, {
          hint: `check that ${o.from} exists on ${url} (\`ollama list\`) and the adapter was trained for it`,
          details: { endpoint: url, model },
        });
      if (line.status) o.onStatus?.(line.status);
      if (line.status === 'success') success = true;
    }
    if (!success)
      throw new ProviderError('PROVIDER_ERROR', `Ollama's create of ${model} ended without success`, {
        hint: 'retry; check the Ollama server log',
        retryable: true,
        details: { endpoint: url, model },
      });
    return { digest, model };
  } catch (e) {
    throw wireError(e, 'ollama', url, o.signal);
  }
}
