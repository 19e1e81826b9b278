import { describe, expect, it } from 'vitest';
import { extractJson, stripFences, stripThink } from '../../../src/models/text.js';

describe('stripThink', () => {
  it('removes think blocks, stray closing tags and unclosed reasoning', () => {
    expect(stripThink('<think>hmm {a}</think>\n{"a":1}')).toBe('{"a":1}');
    expect(stripThink('<THINKING>x</THINKING>answer')).toBe('answer');
    expect(stripThink('reasoning without opener</think> final')).toBe('final');
    expect(stripThink('answer <think>cut off mid thought')).toBe('answer');
    expect(stripThink('plain text')).toBe('plain text');
  });
});

describe('stripFences', () => {
  it('unwraps a whole fenced answer, with or without a language or closing fence', () => {
    expect(stripFences('```json\n{"a":1}\n```')).toBe('{"a":1}');
    expect(stripFences('  ```\nhello\n```  ')).toBe('hello');
    expect(stripFences('```json\n{"a":')).toBe('{"a":');
  });
  it('keeps fences that sit inside prose', () => {
    const t = 'Use this:\n```ts\nconst x = 1;\n```\nDone.';
    expect(stripFences(t)).toBe(t);
  });
});

describe('extractJson', () => {
  it('parses plain JSON objects and arrays', () => {
    expect(extractJson('{"a":[1,2]}')).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(extractJson(' [1, {"b": null}] ')).toEqual({ ok: true, value: [1, { b: null }] });
  });
  it('finds JSON inside prose, fences and after think blocks', () => {
    expect(extractJson('Sure! Here it is:\n{"x":"y"}\nAnything else?')).toEqual({ ok: true, value: { x: 'y' } });
    expect(extractJson('text ```json\n{"x":2}\n``` more')).toEqual({ ok: true, value: { x: 2 } });
    expect(extractJson('<think>maybe {"x":0}? no</think>{"x":3}')).toEqual({ ok: true, value: { x: 3 } });
  });
  it('is not fooled by braces inside strings or by earlier non-JSON brackets', () => {
    expect(extractJson('{"s":"a } b { c \\" ]"}')).toEqual({ ok: true, value: { s: 'a } b { c " ]' } });
    expect(extractJson('see [note] then {"ok":true}')).toEqual({ ok: true, value: { ok: true } });
  });
  it('reports cut-off and missing JSON with a reason', () => {
    const cut = extractJson('{"title":"half');
    expect(cut.ok).toBe(false);
    if (!cut.ok) expect(cut.error).toMatch(/cut off/);
    const none = extractJson('I cannot help with that.');
    expect(none).toEqual({ ok: false, error: 'no JSON object or array in the answer' });
    const bad = extractJson('{a: 1}');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/invalid JSON/);
  });
});
