import { describe, expect, it } from 'vitest';
import { parseChatLine, readNdjsonBatches } from '../../../src/models/providers/ndjson.js';

const body = (...parts: string[]) => {
  const enc = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(enc.encode(p));
      c.close();
    },
  });
};
const token = (content: string, model = 'llama3.2') =>
  JSON.stringify({
    model,
    created_at: '2026-01-01T00:00:00.123Z',
    message: { role: 'assistant', content },
    done: false,
  });

describe('readNdjsonBatches', () => {
  it('gives the lines of each read as one batch, joining a line split across reads', async () => {
    const a = token('Hel');
    const b = token('lo');
    const batches: unknown[][] = [];
    for await (const x of readNdjsonBatches(body(`${a}\n${b.slice(0, 10)}`, `${b.slice(10)}\n\n{"done":true}\n`), 'X'))
      batches.push(x);
    expect(batches).toEqual([[JSON.parse(a)], [JSON.parse(b), { done: true }]]);
    // A last line without its newline is read when the stream ends.
    const tail: unknown[][] = [];
    for await (const x of readNdjsonBatches(body(`${a}\n{"done"`, ':true}'), 'X')) tail.push(x);
    expect(tail).toEqual([[JSON.parse(a)], [{ done: true }]]);
  });

  it('a line that is not JSON fails the stream after the lines before it', async () => {
    const got: unknown[] = [];
    await expect(async () => {
      for await (const x of readNdjsonBatches(body('{"a":1}\nnot json\n{"b":2}\n'), 'Ollama')) got.push(...x);
    }).rejects.toThrow(/Ollama sent a stream line that is not JSON: not json/);
    expect(got).toEqual([{ a: 1 }]);
  });
});

describe('parseChatLine', () => {
  it('reads a token line as JSON.parse does, for every kind of content', () => {
    for (const content of [
      'abc',
      '',
      ' "quoted" ',
      'a\\b',
      'line\nbreak\ttab',
      'é ü 漢字 😀',
      '\u0001',
      '{"json":[1]}',
    ]) {
      const { message, done } = JSON.parse(token(content));
      expect(parseChatLine(token(content))).toEqual({ message, done });
      expect(message.content).toBe(content);
    }
    // Other lines (the last one, errors, unusual models) go through JSON.parse unchanged.
    const last = JSON.stringify({
      model: 'm',
      created_at: 't',
      message: { role: 'assistant', content: '' },
      done: true,
      eval_count: 3,
    });
    expect(parseChatLine(last)).toEqual(JSON.parse(last));
    expect(parseChatLine('{"error":"boom"}')).toEqual({ error: 'boom' });
    const escapedModel = token('x', 'we"ird');
    expect(parseChatLine(escapedModel)).toEqual(JSON.parse(escapedModel));
  });

  it('refuses what JSON.parse refuses', () => {
    for (const bad of [
      token('x').replace('"x"', '"\\q"'), // invalid escape in the content
      token('x').replace('"x"', '"a\tb"'), // raw control character
      token('x').slice(0, -1),
    ])
      expect(() => parseChatLine(bad)).toThrow(SyntaxError);
  });
});
