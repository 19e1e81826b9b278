import { describe, expect, it } from 'vitest';
import { AppError, ProviderError, StorageError } from '../../../src/errors.js';
import { trackRun } from '../../../src/recovery/runs.js';
import { FailureRecoverySystem } from '../../../src/recovery/system.js';
import type { DB } from '../../../src/storage/db.js';
import { memDb } from './helpers.js';

const identity = { prd: 'hash-1', tag: 'master' };
const input = { prd: '# PRD', tag: 'master', maxDepth: 2 };

/** A failed request of run `runId`, as the model API's hook records it. */
function modelFailure(
  sys: FailureRecoverySystem,
  runId: string,
  atMs: number,
  component = 'prd',
  model = 'llama3.2:latest',
) {
  sys.hooks().onFailure!({
    error: new ProviderError('PROVIDER_ERROR', 'an error was encountered while running the model', { status: 500 }),
    component,
    operation: 'object',
    provider: 'ollama',
    endpoint: 'http://127.0.0.1:9',
    model,
    atMs,
    runId,
  });
}

const clock = () => {
  const c = { t: 0, now: () => c.t };
  return c;
};

describe('trackRun: what recover needs from a job', () => {
  it('a failed run is stored as interrupted with its input; the model failures it saw are linked, not repeated', async () => {
    const db = memDb();
    const c = clock();
    const sys = new FailureRecoverySystem({ db, now: c.now });
    c.t = 1_000;
    await expect(
      trackRun(
        db,
        { job: 'parse-prd', identity, input, runId: 'r1' },
        async () => {
          modelFailure(sys, 'r1', 900);
          throw new ProviderError('PROVIDER_ERROR', 'an error was encountered while running the model', {
            status: 500,
          });
        },
        c.now,
      ),
    ).rejects.toThrow(/running the model/);
    expect(sys.interruptedRuns()).toMatchObject([
      { job: 'parse-prd', input, status: 'interrupted', failedMs: 1_000, runIds: ['r1'], errorCode: 'PROVIDER_ERROR' },
    ]);
    expect(sys.status()).toMatchObject({ total_failures: 1, active_failures: 1, runs: { interrupted: 1 } });
  });

  it('a run that failed without a model failure records its own error; an abort by the user records nothing', async () => {
    const db = memDb();
    const sys = new FailureRecoverySystem({ db });
    await expect(
      trackRun(db, { job: 'parse-prd', identity, input, runId: 'r1' }, async () => {
        throw new StorageError('STORAGE', 'database is locked', { details: { code: 'SQLITE_BUSY' } });
      }),
    ).rejects.toThrow('locked');
    expect(sys.list()).toMatchObject([{ kind: 'db_busy', context: { component: 'parse-prd', operation: 'run' } }]);
    expect(sys.repo.events({ runIds: ['r1'] })).toHaveLength(1);
    await expect(
      trackRun(db, { job: 'parse-prd', identity: { other: 1 }, input, runId: 'r2' }, async () => {
        throw new AppError('ABORTED', 'parse-prd interrupted');
      }),
    ).rejects.toThrow();
    expect(sys.interruptedRuns()).toHaveLength(1);
  });

  it('a verified success answers the failed requests of its own run (components it names), not the others', async () => {
    const db = memDb();
    const c = clock();
    const sys = new FailureRecoverySystem({ db, now: c.now });
    c.t = 500;
    const out = await trackRun(
      db,
      { job: 'parse-prd', identity, input, runId: 'r1', answered: ['prd'] },
      async () => {
        modelFailure(sys, 'r1', 100);
        modelFailure(sys, 'r1', 120, 'learning', 'nomic-embed-text:latest');
        return 'ok';
      },
      c.now,
    );
    expect(out).toBe('ok');
    const byComponent = Object.fromEntries(sys.list().map((g) => [g.context.component, g.status]));
    expect(byComponent).toEqual({ prd: 'recovered', learning: 'open' });
    expect(sys.status()).toMatchObject({ recovered: 1, recovered_by: { retry: 1 }, mttr_ms: 400 });
  });

  it('an unverified success (e.g. a plan made without the model) recovers nothing', async () => {
    const db = memDb();
    const sys = new FailureRecoverySystem({ db });
    await trackRun(
      db,
      {
        job: 'parse-prd',
        identity,
        input,
        runId: 'r1',
        answered: ['prd'],
        verified: (r: { structural: boolean }) => !r.structural,
      },
      async () => {
        modelFailure(sys, 'r1', 100);
        return { structural: true };
      },
    );
    expect(sys.status()).toMatchObject({ recovered: 0, active_failures: 1 });
  });

  it('a later success of the same job and input recovers every failure of the interruption, from the first one', async () => {
    const db: DB = memDb();
    const c = clock();
    const sys = new FailureRecoverySystem({ db, now: c.now });
    const fail = (runId: string, at: number) =>
      trackRun(
        db,
        { job: 'parse-prd', identity, input, runId },
        async () => {
          modelFailure(sys, runId, at);
          throw new ProviderError('PROVIDER_ERROR', 'gone', { status: 500 });
        },
        c.now,
      ).catch(() => undefined);
    c.t = 1_000;
    await fail('r1', 1_000);
    // a first resume fails too: it joins the same interruption
    c.t = 2_000;
    await fail('r2', 2_000);
    expect(sys.interruptedRuns()).toMatchObject([{ runIds: ['r1', 'r2'] }]);
    // a probe cleared the cause of the group in between: the replay still upgrades it
    const [g] = sys.list();
    sys.repo.recordAttempt(
      g!.id,
      { tsMs: 2_500, strategy: 'retry', outcome: 'success', verdict: 'cause_cleared', durationMs: 1, detail: 'probe' },
      { from: ['open'], resolution: 'probe' },
    );
    expect(sys.status()).toMatchObject({ recovered: 0, cause_cleared: 2 });
    // another job, or another input, changes nothing
    c.t = 3_000;
    await trackRun(db, { job: 'parse-prd', identity: { prd: 'other' }, input, runId: 'x' }, async () => 1, c.now);
    await trackRun(db, { job: 'research-loop', identity, input, runId: 'y' }, async () => 1, c.now);
    expect(sys.interruptedRuns()).toHaveLength(1);
    c.t = 4_000;
    await trackRun(db, { job: 'parse-prd', identity, input, runId: 'r3', resumed: true }, async () => 1, c.now);
    expect(sys.interruptedRuns()).toEqual([]);
    expect(sys.interruptedRuns(['resumed'])).toMatchObject([{ resumedByRun: 'r3', resumedMs: 4_000 }]);
    expect(sys.status()).toMatchObject({
      total_failures: 2,
      recovered: 2,
      cause_cleared: 0,
      recovery_rate: 1,
      recovered_by: { resume: 2 },
      // one recovery of the group: from its first failure (1 000) to the verified success (4 000)
      mttr_ms: 3_000,
      runs: { interrupted: 0, resumed: 1 },
    });
  });
});
