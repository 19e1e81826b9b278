import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/errors.js';
import { recoveryStatus } from '../../../src/recovery/stats.js';
import { FailureRecoverySystem } from '../../../src/recovery/system.js';
import type { FailureEventRow } from '../../../src/storage/recovery-repo.js';
import { insertMetric, memDb } from './helpers.js';

const ctx = {
  component: 'prd',
  operation: 'object',
  provider: 'ollama',
  endpoint: 'http://127.0.0.1:9',
  model: 'llama3.2',
};
const err = (m = 'boom') => new ProviderError('PROVIDER_ERROR', m, { status: 500 });

describe('FailureRecoverySystem store and status', () => {
  it('groups repeats by fingerprint and counts occurrences', () => {
    let t = 1_000;
    const sys = new FailureRecoverySystem({ db: memDb(), now: () => t });
    const a = sys.reportFailure(err('boom 1'), ctx);
    t = 2_000;
    const b = sys.report_failure(err('boom 2'), ctx);
    expect(b.id).toBe(a.id);
    expect(b).toMatchObject({ count: 2, firstSeenMs: 1_000, lastSeenMs: 2_000, status: 'open' });
    expect(sys.status()).toMatchObject({
      total_failures: 2,
      active_failures: 2,
      recovered: 0,
      cause_cleared: 0,
      recovery_rate: 0,
      mttr_ms: null,
    });
  });

  it('an occurrence the model API recovered in the same call is recovered, timed from its failure; a later one reopens the group', () => {
    let t = 0;
    const sys = new FailureRecoverySystem({ db: memDb(), now: () => t });
    const f = sys.reportFailure(err(), ctx, { atMs: 10, recovered: { by: 'retry', atMs: 40, detail: 'retried' } });
    expect(f.status).toBe('recovered');
    expect(sys.attempts(f.id)).toMatchObject([
      { strategy: 'retry', outcome: 'success', verdict: 'recovered', durationMs: 30, tsMs: 40 },
    ]);
    t = 100;
    expect(sys.reportFailure(err(), ctx).status).toBe('open');
    expect(sys.status()).toMatchObject({
      total_failures: 2,
      active_failures: 1,
      recovered: 1,
      recovery_rate: 0.5,
      mttr_ms: 30,
      recovered_by: { retry: 1 },
    });
  });

  it('status math: only recovered occurrences count; MTTR per recovery, from the first failure it ended', () => {
    const ev = (e: Partial<FailureEventRow> & Pick<FailureEventRow, 'id' | 'status'>): FailureEventRow => ({
      failureId: 1,
      type: 'SYSTEM_ERROR',
      tsMs: 0,
      ...e,
    });
    const s = recoveryStatus(
      [
        // one resume ended two failures of a run: 0 → 350
        ev({ id: 1, tsMs: 0, status: 'recovered', recoveredBy: 'resume', recoveredMs: 350, attemptId: 7 }),
        ev({ id: 2, tsMs: 50, status: 'recovered', recoveredBy: 'resume', recoveredMs: 350, attemptId: 7 }),
        // an in-run retry: 20 → 120
        ev({
          id: 3,
          failureId: 2,
          tsMs: 20,
          status: 'recovered',
          recoveredBy: 'retry',
          recoveredMs: 120,
          attemptId: 8,
        }),
        // recovered before attempts were linked (an old database): counted, but not timed
        ev({ id: 4, failureId: 2, status: 'recovered', recoveredBy: 'retry', recoveredMs: 0 }),
        ev({ id: 5, failureId: 3, type: 'MODEL_FAILURE', status: 'open' }),
        ev({ id: 6, failureId: 4, type: 'MODEL_FAILURE', status: 'cause_cleared', recoveredBy: 'retry', attemptId: 9 }),
        ev({ id: 7, failureId: 5, type: 'MODEL_FAILURE', status: 'resolved', recoveredBy: 'manual', attemptId: 10 }),
      ],
      [{ status: 'resumed' }, { status: 'interrupted' }],
    );
    expect(s).toEqual({
      total_failures: 7,
      active_failures: 1,
      recovered: 4,
      cause_cleared: 1,
      resolved: 1,
      recovery_rate: 0.5714,
      mttr_ms: 225,
      recovered_by: { resume: 2, retry: 2 },
      runs: { interrupted: 1, resumed: 1, abandoned: 0 },
      by_type: {
        SYSTEM_ERROR: { total: 4, active: 0, recovered: 4, cause_cleared: 0, resolved: 0 },
        MODEL_FAILURE: { total: 3, active: 1, recovered: 0, cause_cleared: 1, resolved: 1 },
      },
    });
    expect(recoveryStatus([])).toMatchObject({ total_failures: 0, recovery_rate: null, mttr_ms: null });
  });

  it('hooks() record the failure time, the run and an in-run recovery; they never throw, even on a closed DB', () => {
    const db = memDb();
    let t = 5_000;
    const sys = new FailureRecoverySystem({ db, now: () => t });
    sys.hooks().onFailure!({
      error: new ProviderError('PROVIDER_ERROR', 'bad', { status: 502 }),
      component: 'research',
      operation: 'embed',
      provider: 'ollama',
      recoveredBy: 'fallback',
      atMs: 4_200,
      runId: 'run-1',
    });
    const [g] = sys.list();
    expect(g).toMatchObject({ status: 'recovered', firstSeenMs: 4_200 });
    expect(sys.attempts(g!.id)).toMatchObject([{ strategy: 'fallback', verdict: 'recovered', durationMs: 800 }]);
    expect(sys.repo.events({ runIds: ['run-1'] })).toMatchObject([{ status: 'recovered', recoveredBy: 'fallback' }]);
    expect(sys.status().mttr_ms).toBe(800);
    t = 6_000;
    db.close();
    expect(() => sys.hooks().onFailure!({ error: new Error('x'), component: 'c', operation: 'o' })).not.toThrow();
  });

  it('detect() records an anomaly once while it lasts, and clears its cause once the detectors no longer see it', () => {
    const db = memDb();
    const at = (m: number, s: number) =>
      `2026-01-01T00:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.000Z`;
    for (let i = 0; i < 20; i++) insertMetric(db, { ts: at(0, i), durationMs: 100 });
    for (let i = 0; i < 10; i++) insertMetric(db, { ts: at(1, i), durationMs: 900 });
    const sys = new FailureRecoverySystem({ db });
    expect(sys.detect().map((f) => f.kind)).toEqual(['latency_degradation']);
    sys.detect();
    expect(sys.list()).toMatchObject([
      { kind: 'latency_degradation', type: 'PERFORMANCE_DEGRADATION', count: 1, status: 'open' },
    ]);
    // The model is fast again: the latest ten calls are back at its baseline.
    for (let i = 0; i < 30; i++) insertMetric(db, { ts: at(2, i), durationMs: 100 });
    expect(sys.detect()).toEqual([]);
    expect(sys.list()[0]!.status).toBe('cause_cleared');
    expect(sys.status()).toMatchObject({ recovered: 0, cause_cleared: 1 });
  });

  it('resolve() closes a group by hand; it does not count as recovered', () => {
    const sys = new FailureRecoverySystem({ db: memDb() });
    const f = sys.reportFailure(new Error('odd'), ctx);
    expect(sys.resolve(f.id, 'fixed config')).toMatchObject({ status: 'resolved', resolution: 'fixed config' });
    expect(sys.status()).toMatchObject({ active_failures: 0, resolved: 1, recovered: 0, recovery_rate: 0 });
  });
});
