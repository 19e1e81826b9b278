import { describe, expect, it } from 'vitest';
import { AppError, ProviderError } from '../../../src/errors.js';
import { runWithRecovery, type AttemptState } from '../../../src/recovery/in-run.js';
import { FailureRecoverySystem } from '../../../src/recovery/system.js';
import { memDb } from './helpers.js';

const ctx = {
  component: 'prd',
  operation: 'object',
  provider: 'ollama',
  endpoint: 'http://127.0.0.1:11434',
  model: 'llama3.2',
};
const noSleep = { sleep: async () => {}, baseMs: 1 };

describe('runWithRecovery', () => {
  it('timeout → raise_timeout doubles the timeout; the success is recorded and the failure recovered', async () => {
    const sys = new FailureRecoverySystem({ db: memDb() });
    const seen: AttemptState[] = [];
    const v = await runWithRecovery(
      sys,
      async (s) => {
        seen.push(s);
        if (s.attempt === 0) throw new AppError('TIMEOUT', 'no answer within 1000 ms');
        return 'ok';
      },
      ctx,
      { ...noSleep, timeoutMs: 1000 },
    );
    expect(v).toBe('ok');
    expect(seen.map((s) => s.timeoutMs)).toEqual([1000, 2000]);
    const [f] = sys.list();
    expect(f).toMatchObject({ kind: 'timeout', status: 'recovered' });
    expect(sys.repo.attempts(f!.id).map((a) => [a.strategy, a.outcome])).toEqual([['raise_timeout', 'success']]);
    expect(f!.diagnosis?.recommendedStrategy).toBe('raise_timeout');
  });

  it('context overflow → shrink_input when the caller can shrink; fallback for invalid output when it can fall back', async () => {
    const sys = new FailureRecoverySystem({ db: memDb() });
    const shrinks: number[] = [];
    await runWithRecovery(
      sys,
      async (s) => {
        shrinks.push(s.shrink);
        if (s.shrink < 2) throw new Error('the input length exceeds the context length');
      },
      ctx,
      { ...noSleep, canShrink: true, retries: 3 },
    );
    expect(shrinks).toEqual([0, 1, 2]);
    const fallbacks: boolean[] = [];
    await runWithRecovery(
      sys,
      async (s) => {
        fallbacks.push(s.fallback);
        if (!s.fallback) throw new AppError('MODEL_OUTPUT_INVALID', 'answer does not match the schema');
      },
      ctx,
      { ...noSleep, canFallback: true },
    );
    expect(fallbacks).toEqual([false, true]);
  });

  it('gives up on hopeless kinds at once, and after the retries otherwise; failed attempts are recorded', async () => {
    const sys = new FailureRecoverySystem({ db: memDb() });
    let n = 0;
    await expect(
      runWithRecovery(
        sys,
        async () => {
          n++;
          throw new AppError('PRIVACY_REFUSED', 'refused');
        },
        ctx,
        noSleep,
      ),
    ).rejects.toThrow('refused');
    expect(n).toBe(1);
    n = 0;
    await expect(
      runWithRecovery(
        sys,
        async () => {
          n++;
          throw new ProviderError('PROVIDER_ERROR', 'boom', { status: 500 });
        },
        ctx,
        { ...noSleep, retries: 2 },
      ),
    ).rejects.toThrow('boom');
    expect(n).toBe(3);
    const f = sys.list().find((x) => x.kind === 'http_error')!;
    expect(f).toMatchObject({ status: 'open', count: 3 });
    expect(sys.repo.attempts(f.id).map((a) => a.outcome)).toEqual(['failure', 'failure']);
  });
});
