import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProvider } from '../../../src/models/providers/index.js';
import { writeTinyGguf } from '../../support/make-tiny-gguf.js';

describe("createProvider('llama-cpp')", () => {
  it('returns the embedded provider behind a lazy import; listing needs no native code', async () => {
    const file = writeTinyGguf(join(mkdtempSync(join(tmpdir(), 'tml-lazy-')), 'm.gguf'), { ctx: 1024 });
    const p = createProvider('llama-cpp', { endpoint: file });
    expect(p.kind).toBe('llama-cpp');
    expect(p.endpoint).toBe(file);
    expect(await p.listModels()).toEqual([
      expect.objectContaining({ provider: 'llama-cpp', model: file, contextLength: 1024, family: 'llama' }),
    ]);
    expect(await p.contextLength?.(file)).toBe(1024);
    await expect(p.contextLength?.(join(tmpdir(), 'nope.gguf'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});
