import { describe, expect, it } from 'vitest';
import { AppError, ProviderError, ValidationError } from '../../../src/errors.js';
import { retryableNodeError, retryingRunner } from '../../../src/prd/retry.js';

const info = (signal = new AbortController().signal) => ({ path: 'c0', kind: 'chunk' as const, signal });

describe('node retry', () => {
  it('classifies what is worth another try', () => {
    expect(retryableNodeError(new ProviderError('PROVIDER_ERROR', 'busy', { status: 503, retryable: true }))).toBe(
      true,
    );
    expect(retryableNodeError(new ProviderError('PROVIDER_ERROR', 'bad', { status: 400 }))).toBe(false);
    expect(retryableNodeError(new AppError('TIMEOUT', 'slow'))).toBe(true);
    expect(retryableNodeError(new AppError('MODEL_OUTPUT_INVALID', 'x'))).toBe(false);
    expect(retryableNodeError(new AppError('ABORTED', 'x'))).toBe(false);
    expect(retryableNodeError(new ValidationError('x'))).toBe(false);
  });

  it('retries transient failures up to the limit and gives up on the rest at once', async () => {
    const retried: string[] = [];
    const run = retryingRunner(3, 1, (p) => retried.push(p));
    let n = 0;
    await expect(
      run(
        async () => (++n < 3 ? Promise.reject(new ProviderError('PROVIDER_ERROR', '500', { retryable: true })) : 'ok'),
        info(),
      ),
    ).resolves.toBe('ok');
    expect(n).toBe(3);
    expect(retried).toEqual(['c0', 'c0']);
    n = 0;
    await expect(
      run(async () => {
        n++;
        throw new ProviderError('PROVIDER_ERROR', '500', { retryable: true });
      }, info()),
    ).rejects.toThrow('500');
    expect(n).toBe(3);
    n = 0;
    await expect(
      run(async () => {
        n++;
        throw new AppError('MODEL_OUTPUT_INVALID', 'bad');
      }, info()),
    ).rejects.toThrow('bad');
    expect(n).toBe(1);
  });

  it('stops retrying once the run is aborted', async () => {
    const ctl = new AbortController();
    let n = 0;
    const p = retryingRunner(5, 10_000)(async () => {
      n++;
      throw new ProviderError('PROVIDER_ERROR', '503', { retryable: true });
    }, info(ctl.signal));
    setTimeout(() => ctl.abort(), 5);
    await expect(p).rejects.toThrow('503');
    expect(n).toBe(1);
  });
});
