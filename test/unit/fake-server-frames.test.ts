import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startFakeServer } from '../support/fake-llm-server.js';
import { wholeFrames, writeFrame } from '../support/fake/http.js';

/** A response that records its writes. */
function recorder(): { res: ServerResponse; writes: string[] } {
  const writes: string[] = [];
  const res = {
    destroyed: false,
    writableEnded: false,
    write: (b: Buffer) => writes.push(b.toString('latin1')),
    off: () => undefined,
    once: () => undefined,
  } as unknown as ServerResponse;
  return { res, writes };
}

describe('fake server stream frames', () => {
  it('splits a forced frame and a non-ASCII frame into two writes, or writes them whole when told', async () => {
    const split = recorder();
    await writeFrame(split.res, '{"a":"first"}\n', true);
    await writeFrame(split.res, '{"a":"é"}\n');
    await writeFrame(split.res, '{"a":"plain"}\n');
    expect(split.writes).toHaveLength(5);
    expect(split.writes.slice(0, 2).join('')).toBe('{"a":"first"}\n');

    const whole = recorder();
    wholeFrames.add(whole.res);
    await writeFrame(whole.res, '{"a":"first"}\n', true);
    await writeFrame(whole.res, '{"a":"é"}\n');
    expect(whole.writes).toEqual(['{"a":"first"}\n', Buffer.from('{"a":"é"}\n').toString('latin1')]);
  });

  it('streams the same lines with splitFrames: false', async () => {
    const lines = async (splitFrames: boolean) => {
      const server = await startFakeServer({ splitFrames });
      server.script(() => ({ content: 'Grüße aus dem Testlauf, ein Satz mit Umlauten.' }));
      const res = await fetch(`${server.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await res.text();
      await server.close();
      return text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { message: { content: string }; done: boolean });
    };
    const [split, whole] = await Promise.all([lines(true), lines(false)]);
    const content = (ls: typeof split) => ls.map((l) => l.message.content).join('');
    expect(content(whole)).toBe('Grüße aus dem Testlauf, ein Satz mit Umlauten.');
    expect(content(whole)).toBe(content(split));
    expect(whole.length).toBe(split.length);
    expect(whole.at(-1)!.done).toBe(true);
  });
});
