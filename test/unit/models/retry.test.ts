import { describe, expect, it } from 'vitest';
import { backoffDelay, retryWithBackoff } from '../../../src/models/retry.js';

describe('backoff', () => {
  it('grows exponentially, is capped, and jitter stays within [exp*(1-j), exp]', () => {
    expect(backoffDelay(1, { baseMs: 100, jitter: 0 })).toBe(100);
    expect(backoffDelay(4, { baseMs: 100, jitter: 0 })).toBe(800);
    expect(backoffDelay(20, { baseMs: 100, maxMs: 5000, jitter: 0 })).toBe(5000);
    expect(backoffDelay(3, { baseMs: 100, jitter: 0.5, random: () => 0 })).toBe(200);
    expect(backoffDelay(3, { baseMs: 100, jitter: 0.5, random: () => 1 })).toBe(400);
  });
  it('retries until success and reports each delay', async () => {
    const delays: number[] = [];
    let n = 0;
    const v = await retryWithBackoff(
      async () => {
        if (++n < 3) throw new Error('x');
        return 'ok';
      },
      { retries: 5, baseMs: 10, jitter: 0, sleep: async (ms) => void delays.push(ms) },
    );
    expect(v).toBe('ok');
    expect(delays).toEqual([10, 20]);
  });
  it('rethrows after the last retry and respects shouldRetry', async () => {
    let n = 0;
    await expect(
      retryWithBackoff(
        async () => {
          n++;
          throw new Error('boom');
        },
        { retries: 2, sleep: async () => {} },
      ),
    ).rejects.toThrow('boom');
    expect(n).toBe(3);
    n = 0;
    await expect(
      retryWithBackoff(
        async () => {
          n++;
          throw new Error('fatal');
        },
        { retries: 5, shouldRetry: () => false, sleep: async () => {} },
      ),
    ).rejects.toThrow('fatal');
    expect(n).toBe(1);
  });
});
