import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/errors.js';
import { FailureRecoverySystem } from '../../../src/recovery/system.js';
import { recoveryStatus } from '../../../src/recovery/stats.js';
import { insertMetric, memDb } from './helpers.js';

const ctx = {
  component: 'prd',
  operation: 'object',
  provider: 'ollama',
  endpoint: 'http://127.0.0.1:9',
  model: 'llama3.2',
};

describe('FailureRecoverySystem store and status', () => {
  it('groups repeats by fingerprint and counts occurrences', () => {
    let t = 1_000;
    const sys = new FailureRecoverySystem({ db: memDb(), now: () => t });
    const a = sys.reportFailure(new ProviderError('PROVIDER_ERROR', 'boom 1', { status: 500 }), ctx);
    t = 2_000;
    const b = sys.report_failure(new ProviderError('PROVIDER_ERROR', 'boom 2', { status: 500 }), ctx);
    expect(b.id).toBe(a.id);
    expect(b.count).toBe(2);
    expect(b.firstSeenMs).toBe(1_000);
    expect(b.lastSeenMs).toBe(2_000);
    expect(sys.status()).toMatchObject({
      total_failures: 2,
      active_failures: 2,
      recovered: 0,
      recovery_rate: 0,
      mttr_ms: null,
    });
  });

  it('in-run recoveries count as recovered with an attempt row; a later plain failure reopens the group', () => {
    let t = 0;
    const sys = new FailureRecoverySystem({ db: memDb(), now: () => t });
    const f = sys.reportFailure(new ProviderError('PROVIDER_ERROR', 'x', { status: 500 }), ctx, {
      recoveredBy: 'retry',
    });
    expect(f.status).toBe('recovered');
    expect(sys.repo.attempts(f.id)).toMatchObject([{ strategy: 'retry', outcome: 'success' }]);
    t = 10;
    expect(sys.reportFailure(new ProviderError('PROVIDER_ERROR', 'x', { status: 500 }), ctx).status).toBe('open');
    expect(sys.status()).toMatchObject({
      total_failures: 2,
      active_failures: 1,
      recovered: 1,
      recovery_rate: 0.5,
      mttr_ms: 0,
    });
  });

  it('status math: MTTR from occurrence to recovery, by_type counts', () => {
    const s = recoveryStatus([
      { failureId: 1, type: 'SYSTEM_ERROR', tsMs: 0, status: 'recovered', recoveredMs: 100 },
      { failureId: 1, type: 'SYSTEM_ERROR', tsMs: 50, status: 'recovered', recoveredMs: 350 },
      { failureId: 2, type: 'MODEL_FAILURE', tsMs: 0, status: 'open', recoveredMs: null },
      { failureId: 3, type: 'MODEL_FAILURE', tsMs: 0, status: 'resolved', recoveredMs: 1000 },
    ]);
    expect(s).toEqual({
      total_failures: 4,
      active_failures: 1,
      recovered: 3,
      recovery_rate: 0.75,
      mttr_ms: 466.7,
      by_type: {
        SYSTEM_ERROR: { total: 2, active: 0, recovered: 2 },
        MODEL_FAILURE: { total: 2, active: 1, recovered: 1 },
      },
    });
    expect(recoveryStatus([])).toMatchObject({ total_failures: 0, recovery_rate: 1, mttr_ms: null });
  });

  it('hooks() records model API failures and never throws even when the DB is closed', () => {
    const db = memDb();
    const sys = new FailureRecoverySystem({ db });
    sys.hooks().onFailure!({
      error: new ProviderError('PROVIDER_ERROR', 'bad', { status: 502 }),
      component: 'research',
      operation: 'embed',
      provider: 'ollama',
      recoveredBy: 'fallback',
    });
    expect(sys.list()).toHaveLength(1);
    expect(sys.repo.attempts(sys.list()[0]!.id)[0]!.strategy).toBe('fallback_model');
    db.close();
    expect(() => sys.hooks().onFailure!({ error: new Error('x'), component: 'c', operation: 'o' })).not.toThrow();
  });

  it('detect() turns metric anomalies into failures once while they stay open', () => {
    const db = memDb();
    for (let i = 0; i < 20; i++)
      insertMetric(db, { ts: `2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z`, durationMs: 100 });
    for (let i = 0; i < 10; i++)
      insertMetric(db, { ts: `2026-01-01T00:01:${String(i).padStart(2, '0')}.000Z`, durationMs: 900 });
    const sys = new FailureRecoverySystem({ db });
    expect(sys.detect().map((f) => f.kind)).toEqual(['latency_degradation']);
    sys.detect();
    const [f] = sys.list();
    expect(f).toMatchObject({ kind: 'latency_degradation', type: 'PERFORMANCE_DEGRADATION', count: 1, status: 'open' });
  });

  it('resolve() closes a group by hand', () => {
    const sys = new FailureRecoverySystem({ db: memDb() });
    const f = sys.reportFailure(new Error('odd'), ctx);
    expect(sys.resolve(f.id, 'fixed config')).toMatchObject({ status: 'resolved', resolution: 'fixed config' });
    expect(sys.status().active_failures).toBe(0);
  });
});
