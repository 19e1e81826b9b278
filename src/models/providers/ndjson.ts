import { ProviderError } from '../../errors.js';

/**
 * Parses an NDJSON body (Ollama's streams) into objects, one array per network read: a read that
 * carries many lines (a fast server, a client that fell behind) is handled in one step by the
 * caller. Bytes are decoded in streaming mode, so a line or a multibyte character split across
 * network chunks survives. A line that is not JSON is a corrupt stream and fails the call (a silent
 * skip would lose answer text). The body is fetch's stream or node:http's (http-stream.ts).
 */
export async function* readNdjsonBatches(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  server: string,
  parse: (line: string) => unknown = JSON.parse,
): AsyncGenerator<unknown[]> {
  const decoder = new TextDecoder('utf-8');
  let buf = '';
  const corrupt = (line: string) =>
    new ProviderError('PROVIDER_ERROR', `${server} sent a stream line that is not JSON: ${line.slice(0, 120)}`, {
      retryable: true,
      hint: 'check that the endpoint points at the model server and not at a proxy',
    });
  // The complete lines in `buf` (all of it at the end), parsed; the lines before a corrupt one still
  // go up (as they did one by one), then the stream fails.
  function* take(done: boolean): Generator<unknown[]> {
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
    const batch: unknown[] = [];
    let bad: string | undefined;
    for (const line of lines) {
      try {
        batch.push(parse(line));
      } catch {
        bad = line;
        break;
      }
    }
    if (batch.length) yield batch;
    if (bad !== undefined) throw corrupt(bad);
  }
  for await (const value of body instanceof ReadableStream ? chunksOf(body) : body) {
    buf += decoder.decode(value, { stream: true });
    yield* take(false);
  }
  buf += decoder.decode();
  yield* take(true);
}

/** A fetch body's chunks; the reader's lock is released when the caller stops. */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The objects of an NDJSON body one by one (see readNdjsonBatches). */
export async function* readNdjson(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  server: string,
): AsyncGenerator<unknown> {
  for await (const batch of readNdjsonBatches(body, server)) yield* batch;
}

// One token of Ollama's chat stream, exactly as Ollama writes it (Go's field order). Matching the line
// with one expression and reading only the content literal costs a quarter of a JSON.parse, and a
// 500-task run receives close to a million of these lines. Only valid JSON matches: no raw control
// characters, no escapes outside the content, whose escapes JSON.parse decodes (and checks). Any other
// line (the last one, an error, a thinking model's) goes through JSON.parse. PLAIN: a JSON string
// character other than a quote, a backslash or a control character.
const PLAIN = String.raw`[\x20\x21\x23-\x5b\x5d-\uffff]`;
const TOKEN_LINE = new RegExp(
  String.raw`^\{"model":"${PLAIN}*","created_at":"${PLAIN}*","message":\{"role":"assistant","content":("(?:${PLAIN}|\\.)*")\},"done":false\}$`,
);

/** A line of Ollama's /api/chat stream as JSON.parse would give it (for the fields the client reads). */
export function parseChatLine(line: string): unknown {
  const m = TOKEN_LINE.exec(line);
  if (!m) return JSON.parse(line);
  const literal = m[1]!;
  const content = literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
  return { message: { role: 'assistant', content }, done: false };
}
