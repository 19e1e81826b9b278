import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readGgufInfo } from '../../../src/models/embedded/gguf.js';
import { makeTinyGguf } from '../../support/make-tiny-gguf.js';

let dir: string;
let full: Buffer;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tml-gguf-'));
  full = makeTinyGguf();
});
const file = (name: string, data: Buffer | string) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};
const problemOf = (p: string) => {
  try {
    readGgufInfo(p);
  } catch (e) {
    return (e as { details: { problem: string }; message: string }).details.problem;
  }
  return 'none';
};

describe('readGgufInfo', () => {
  it('reads architecture, context length and sizes from the metadata', () => {
    const info = readGgufInfo(file('tiny.gguf', full));
    expect(info).toMatchObject({
      version: 3,
      architecture: 'llama',
      name: 'tiny-random-llama',
      contextLength: 4096,
      embeddingLength: 64,
      blockCount: 2,
      hasChatTemplate: true,
      tensorCount: 21,
      sizeBytes: full.length,
    });
    expect(info.poolingType).toBeUndefined();
    expect(info.metadata['tokenizer.ggml.tokens']).toEqual({ arrayLength: 262 });
    expect(info.metadata['llama.attention.head_count']).toBe(4);
  });

  it('follows the options of the generator (context, architecture)', () => {
    const info = readGgufInfo(file('ctx.gguf', makeTinyGguf({ ctx: 1234, architecture: 'nosucharch', f16: true })));
    expect(info.architecture).toBe('nosucharch');
    expect(info.contextLength).toBe(1234);
  });

  it('rejects a file without the GGUF magic, including an empty file', () => {
    expect(problemOf(file('text.gguf', 'hello world, not a model'))).toBe('not-gguf');
    expect(problemOf(file('empty.gguf', ''))).toBe('not-gguf');
    expect(problemOf(file('sqlite.gguf', Buffer.from('SQLite format 3\0')))).toBe('not-gguf');
  });

  it('detects truncation anywhere: header, metadata, tensor table and tensor data', () => {
    for (const cut of [6, 20, 200, 5000, 10_000, full.length - 1]) {
      expect(problemOf(file(`cut-${cut}.gguf`, full.subarray(0, cut))), `cut at ${cut}`).toBe('truncated');
    }
  });

  it('rejects unsupported versions and missing files with their own problem codes', () => {
    const v1 = Buffer.from(full);
    v1.writeUInt32LE(1, 4);
    expect(problemOf(file('v1.gguf', v1))).toBe('unsupported-version');
    expect(problemOf(join(dir, 'missing.gguf'))).toBe('not-found');
  });

  it('treats an absurd length field as corruption, not as an allocation', () => {
    const bad = Buffer.from(full);
    bad.writeBigUInt64LE(2n ** 62n, 24); // first metadata key's string length
    expect(problemOf(file('bad-len.gguf', bad))).toBe('truncated');
  });
});
