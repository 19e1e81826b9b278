import { describe, expect, it } from 'vitest';
import { ElementStream } from '../../../src/prd/stream-elements.js';

const answer = JSON.stringify({
  tasks: [
    { title: 'A', dependencies: [], nested: { x: [1, 2] } },
    { title: 'B "quoted" } ]', dependencies: [1] },
    { title: 'C', dependencies: [2] },
  ],
});

function feed(text: string, step: number, key = 'tasks', max?: number) {
  const seen: { i: number; v: unknown; at: number }[] = [];
  const s = new ElementStream(key, (i, v) => seen.push({ i, v, at: pos }), max);
  let pos = 0;
  for (; pos < text.length; pos += step) s.write(text.slice(pos, pos + step));
  return seen;
}

describe('ElementStream', () => {
  it('reports each array element as soon as its closing brace arrives, whatever the delta size', () => {
    for (const step of [1, 3, 17, 1000]) {
      const seen = feed(answer, step);
      expect(seen.map((s) => s.i)).toEqual([0, 1, 2]);
      expect(seen.map((s) => (s.v as { title: string }).title)).toEqual(['A', 'B "quoted" } ]', 'C']);
    }
    // With one character per delta, element 0 is known long before the answer ends.
    const one = feed(answer, 1);
    expect(one[0]!.at).toBe(answer.indexOf('},{"title":"B'));
  });

  it('skips a think block, a code fence or a sentence before the JSON', () => {
    for (const pre of ['<think>\nplan {it} first\n</think>\n', '```json\n', 'Sure! Here it is:\n']) {
      expect(feed(`${pre}${answer}\n\`\`\``, 5).map((s) => s.i)).toEqual([0, 1, 2]);
    }
  });

  it('keeps the elements completed before a stream stops mid-element, and stops at broken JSON or the maximum', () => {
    const cut = answer.slice(0, answer.indexOf('"title":"C"') + 8);
    expect(feed(cut, 4).map((s) => s.i)).toEqual([0, 1]);
    const broken = answer.replace('{"title":"B', '{"title":B');
    expect(feed(broken, 4).map((s) => s.i)).toEqual([0]);
    expect(feed(answer, 4, 'tasks', 2).map((s) => s.i)).toEqual([0, 1]);
    expect(feed(answer, 4, 'subtasks')).toEqual([]);
  });

  it('reads only the top-level key: the same name deeper down, in a string or after escapes is not the array', () => {
    const tricky = JSON.stringify({
      note: 'a "tasks": [{"title":"fake"}] inside a string \\" still a string',
      meta: { tasks: [{ title: 'nested' }] },
      tasks: [{ title: 'real \\ one', deps: [[1], { a: '}' }] }, { title: 'two' }],
    });
    for (const step of [1, 2, 7, 5000]) {
      expect(feed(tricky, step).map((s) => (s.v as { title: string }).title)).toEqual(['real \\ one', 'two']);
    }
  });
});
