import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatIssues, parseStructured, reaskMessage, toJsonSchema } from '../../../src/models/structured.js';
import { cacheKey } from '../../../src/models/cache-key.js';

const Task = z.object({ title: z.string().min(1), priority: z.enum(['high', 'medium', 'low']) });

describe('parseStructured', () => {
  it('accepts plain, fenced, think-prefixed and prose-wrapped JSON', () => {
    const v = { title: 'x', priority: 'high' };
    for (const raw of [
      JSON.stringify(v),
      '```json\n' + JSON.stringify(v) + '\n```',
      `<think>hmm {"a":1}</think>${JSON.stringify(v)}`,
      `Sure! Here it is: ${JSON.stringify(v)} Hope it helps.`,
    ]) {
      const r = parseStructured(raw, Task);
      expect(r).toMatchObject({ ok: true, value: v });
    }
  });

  it('rejects schema violations with path-named errors', () => {
    const r = parseStructured('{"title":"","priority":"urgent"}', Task);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain('title:');
      expect(r.error).toContain('priority:');
    }
  });

  it('treats a truncated answer as invalid even if it parses', () => {
    const r = parseStructured('{"title":"x","priority":"low"}', Task, 'length');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('cut off');
  });

  it('rejects text with no JSON', () => {
    expect(parseStructured('I cannot do that.', Task).ok).toBe(false);
  });
});

describe('helpers', () => {
  it('toJsonSchema gives a plain object schema without $schema', () => {
    const js = toJsonSchema(Task);
    expect(js.type).toBe('object');
    expect(js.$schema).toBeUndefined();
    expect(Object.keys(js.properties as object)).toEqual(['title', 'priority']);
  });

  it('formatIssues caps the list', () => {
    const r = z.array(z.number()).safeParse(['a', 'b', 'c']);
    expect(r.success).toBe(false);
    if (!r.success) expect(formatIssues(r.error, 2)).toMatch(/^0: .*; 1: .*; … and 1 more$/);
  });

  it('reaskMessage is a user message carrying the error', () => {
    expect(reaskMessage('title: too short')).toMatchObject({
      role: 'user',
      content: expect.stringContaining('title: too short'),
    });
  });
});

describe('cacheKey', () => {
  const parts = {
    provider: 'ollama' as const,
    model: 'm',
    kind: 'object' as const,
    messages: [{ role: 'user' as const, content: 'hi' }],
  };
  it('is stable under schema key order and sensitive to every part', () => {
    const k = cacheKey({ ...parts, schema: { a: 1, b: { c: 2, d: 3 } } });
    expect(cacheKey({ ...parts, schema: { b: { d: 3, c: 2 }, a: 1 } })).toBe(k);
    const variants = [
      { ...parts, provider: 'lmstudio' as const },
      { ...parts, model: 'n' },
      { ...parts, kind: 'text' as const },
      { ...parts, messages: [{ role: 'user' as const, content: 'hi!' }] },
      { ...parts, temperature: 0.2 },
      { ...parts, seed: 1 },
      { ...parts, maxTokens: 10 },
    ];
    const plain = cacheKey(parts);
    for (const v of variants) expect(cacheKey(v)).not.toBe(plain);
    expect(plain).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the keys of earlier versions, so a cache built by them still hits', () => {
    expect(
      cacheKey({
        provider: 'ollama',
        model: 'llama3.2',
        kind: 'object',
        messages: [
          { role: 'system', content: 'Sys "q" \n' },
          { role: 'user', content: 'é ü \u0000 x' },
        ],
        schema: { type: 'object', properties: { b: { type: 'string' }, a: { type: 'number' } }, required: ['b'] },
        temperature: 0.2,
        seed: 3,
        maxTokens: 100,
      }),
    ).toBe('740d5a9a1261e76a9aba1772a42fff3bc68a8ab2814da12f4613f753359f9689');
    expect(cacheKey({ provider: 'openai-compatible', model: 'x', kind: 'text', messages: [] })).toBe(
      'e7edb4cb49600b045feb301a9c675831189d033f7e1e79195a111854388f1f52',
    );
  });
});
