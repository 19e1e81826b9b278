import { ProviderError } from '../../errors.js';

/**
 * Parses an NDJSON body (Ollama's streams) into objects, one array per network read: a read that
 * carries many lines (a fast server, a client that fell behind) is handled in one step by the
 * caller. Bytes are decoded in streaming mode, so a line or a multibyte character split across
 * network chunks survives. A line that is not JSON is a corrupt stream and fails the call (a silent
 * skip would lose answer text).
 */
export async function* readNdjsonBatches(body: ReadableStream<Uint8Array>, server: string): AsyncGenerator<unknown[]> {
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  let buf = '';
  const corrupt = (line: string) =>
    new ProviderError('PROVIDER_ERROR', `${server} sent a stream line that is not JSON: ${line.slice(0, 120)}`, {
      retryable: true,
      hint: 'check that the endpoint points at the model server and not at a proxy',
    });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buf += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const lines: string[] = [];
      let from = 0;
      let nl: number;
      while ((nl = buf.indexOf('\n', from)) >= 0) {
        const line = buf.slice(from, nl).trim();
        from = nl + 1;
        if (line) lines.push(line);
      }
      buf = buf.slice(from);
      if (done && buf.trim()) lines.push(buf.trim());
      // The lines before a corrupt one still go up (as they did one by one), then the stream fails.
      const batch: unknown[] = [];
      let bad: string | undefined;
      for (const line of lines) {
        try {
          batch.push(JSON.parse(line));
        } catch {
          bad = line;
          break;
        }
      }
      if (batch.length) yield batch;
      if (bad !== undefined) throw corrupt(bad);
      if (done) break;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The objects of an NDJSON body one by one (see readNdjsonBatches). */
export async function* readNdjson(body: ReadableStream<Uint8Array>, server: string): AsyncGenerator<unknown> {
  for await (const batch of readNdjsonBatches(body, server)) yield* batch;
}
