/** One server-sent event. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Parses an SSE body into events, one array per network read (a fast server sends many events per
 * read; the caller handles them in one step). Bytes are decoded in streaming mode, so a multibyte
 * character split across network chunks survives; events end at a blank line.
 */
export async function* readSseBatches(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent[]> {
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  let buf = '';
  const blankLine = /\r?\n\r?\n/g;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buf += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const batch: SseEvent[] = [];
      let from = 0;
      let m: RegExpExecArray | null;
      blankLine.lastIndex = 0;
      while ((m = blankLine.exec(buf))) {
        const ev = parseBlock(buf.slice(from, m.index));
        from = m.index + m[0].length;
        if (ev) batch.push(ev);
      }
      buf = buf.slice(from);
      if (done) {
        const last = parseBlock(buf);
        if (last) batch.push(last);
      }
      if (batch.length) yield batch;
      if (done) break;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The events of an SSE body one by one (see readSseBatches). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  for await (const batch of readSseBatches(body)) yield* batch;
}

function parseBlock(block: string): SseEvent | undefined {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue; // comment / keep-alive
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length > 0 ? { event, data: data.join('\n') } : undefined;
}
