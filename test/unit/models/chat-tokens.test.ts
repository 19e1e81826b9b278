import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseStructured } from '../../../src/models/structured.js';
import { stripChatTokens } from '../../../src/models/text.js';

describe('stripChatTokens', () => {
  it.each([
    ['<|im_start|>assistant\nHello<|im_end|>', 'Hello'],
    ['<|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>', 'Hello'],
    ['<|begin_of_text|>Hi<|end_of_text|>', 'Hi'],
    ['Answer<|endoftext|>', 'Answer'],
    ['<|user|>q<|end|><|assistant|>a', 'qa'],
    ['<s>[INST] <<SYS>>be brief<</SYS>> q [/INST] a</s>', 'be brief q  a'],
    ['<start_of_turn>model\nHi<end_of_turn>', 'Hi'],
    ['<｜begin▁of▁sentence｜>Hi<｜end▁of▁sentence｜>', 'Hi'],
  ])('%j → %j', (input, out) => {
    expect(stripChatTokens(input).trim()).toBe(out);
  });

  it('keeps ordinary text: comparisons, brackets, HTML strikethrough inside prose', () => {
    for (const t of ['a < b and c > d', 'list [1] and [x]', 'use <s>old</s> markup', '<div>|x|</div>', 'x <|y'])
      expect(stripChatTokens(t)).toBe(t);
  });

  it('cleans inside JSON strings, including the \\n escape after a role', () => {
    expect(stripChatTokens('{"t":"<|im_start|>user\\nX<|im_end|>"}')).toBe('{"t":"X"}');
    expect(stripChatTokens('{"t":"<s>Set up</s>"}')).toBe('{"t":"Set up"}');
  });
});

describe('answers are cleaned where they are parsed', () => {
  it('a structured answer with template tokens around and inside it yields clean values', () => {
    const raw =
      '<|im_start|>assistant\n{"title": "<|im_start|>Set up auth<|im_end|>", "details": "Use JWT<|eot_id|>"}<|im_end|>';
    const r = parseStructured(raw, z.object({ title: z.string(), details: z.string() }));
    expect(r).toMatchObject({ ok: true, value: { title: 'Set up auth', details: 'Use JWT' } });
  });
});
