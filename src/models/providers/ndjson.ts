import { ProviderError } from '../../errors.js';

/**
 * Parses an NDJSON body (Ollama's streams) into objects. Bytes are decoded in streaming mode, so a
 * line or a multibyte character split across network chunks survives. A line that is not JSON is
 * a corrupt stream and fails the call (a silent skip would lose answer text).
 */
export async function* readNdjson(body: ReadableStream<Uint8Array>, server: string): AsyncGenerator<unknown> {
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  let buf = '';
  const parse = (line: string): unknown => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new ProviderError(
        'PROVIDER_ERROR',
        `${server} sent a stream line that is not JSON: ${line.slice(0, 120)}`,
        {
          retryable: true,
          hint: 'check that the endpoint points at the model server and not at a proxy',
        },
      );
    }
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buf += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) yield parse(line);
      }
      if (done) break;
    }
    if (buf.trim()) yield parse(buf.trim());
  } finally {
    reader.releaseLock();
  }
}
