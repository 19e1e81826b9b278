import { describe, expect, it } from 'vitest';
import type { GgufInfo } from '../../../src/models/embedded/gguf.js';
import {
  checkMemory,
  estimateModelMemory,
  physicalCores,
  pickThreads,
  SINGLE_THREAD_BELOW_BYTES,
} from '../../../src/models/embedded/resources.js';

const cpu = (pairs: Array<[number, number]>) =>
  pairs.map(([p, c], i) => `processor\t: ${i}\nphysical id\t: ${p}\ncore id\t\t: ${c}\n`).join('\n');

const info = (over: Partial<GgufInfo> = {}): GgufInfo => ({
  path: '/m.gguf',
  version: 3,
  sizeBytes: 4 * 1024 ** 3,
  architecture: 'llama',
  contextLength: 8192,
  embeddingLength: 4096,
  blockCount: 32,
  hasChatTemplate: true,
  tensorCount: 1,
  metadata: { 'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8 },
  ...over,
});

describe('threads', () => {
  it('counts physical cores, not hyperthreads, capped by the CPUs we may use', () => {
    expect(
      physicalCores(
        cpu([
          [0, 0],
          [0, 1],
        ]),
        2,
      ),
    ).toBe(2);
    expect(
      physicalCores(
        cpu([
          [0, 0],
          [0, 0],
          [0, 1],
          [0, 1],
        ]),
        4,
      ),
    ).toBe(2);
    expect(
      physicalCores(
        cpu([
          [0, 0],
          [1, 0],
        ]),
        2,
      ),
    ).toBe(2);
    expect(
      physicalCores(
        cpu([
          [0, 0],
          [0, 1],
          [0, 2],
          [0, 3],
        ]),
        2,
      ),
    ).toBe(2);
    expect(physicalCores('', 8)).toBe(4);
    expect(physicalCores('', 1)).toBe(1);
  });

  it('uses the configured count, else one thread for tiny models or 2-core machines, all cores otherwise', () => {
    expect(pickThreads(3, 10, 2)).toBe(3);
    expect(pickThreads(0, 500_000, 8)).toBe(1);
    expect(pickThreads(undefined, SINGLE_THREAD_BELOW_BYTES, 8)).toBe(8);
    expect(pickThreads(undefined, 4e9, 2)).toBe(1);
    expect(pickThreads(undefined, 4e9, 4)).toBe(4);
  });
});

describe('memory check', () => {
  it('estimates weights plus the KV cache of the context', () => {
    const small = estimateModelMemory(info(), 2048);
    const big = estimateModelMemory(info(), 8192);
    // 2 (K,V) × 32 layers × 6144 extra tokens × 1024 kv dims × 2 bytes
    expect(big - small).toBe(2 * 32 * 6144 * 1024 * 2);
    expect(small).toBeGreaterThan(4 * 1024 ** 3);
  });

  it('passes when it fits and throws one line with a hint when it does not', () => {
    expect(() => checkMemory(info(), 4096, 16 * 1024 ** 3)).not.toThrow();
    try {
      checkMemory(info(), 4096, 2 * 1024 ** 3);
      throw new Error('expected failure');
    } catch (e) {
      const err = e as { code: string; message: string; hint: string; details: Record<string, unknown> };
      expect(err.code).toBe('PROVIDER_ERROR');
      expect(err.message).toMatch(/needs about 4\.\d GiB of memory but only 2\.0 GiB is free/);
      expect(err.hint).toContain('smaller quantization');
      expect(err.details.problem).toBe('insufficient-memory');
    }
  });
});
