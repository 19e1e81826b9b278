import type Database from 'better-sqlite3';
import type { RecoveryStatus } from '../../../src/recovery/types.js';

/**
 * Every occurrence stored as `recovered`, checked against what really happened afterwards, read
 * straight from the tables: recovered in the same call (retry, re-ask, fallback) needs an answered
 * model call of the same component after the failure in the call ledger; recovered by a resume or
 * a rerun needs its run's interruption closed by a parse-prd run that succeeded; a repaired
 * database needs the open that failed. Returns the occurrences without such evidence (none, when
 * the figures count only what happened).
 */
export function replayEvidence(db: Database.Database): string[] {
  const events = db
    .prepare(
      `SELECT e.id, e.ts_ms, e.component, e.operation, e.run_id, e.recovered_by, e.recovered_ms, a.verdict
       FROM failure_events e LEFT JOIN recovery_attempts a ON a.id = e.attempt_id WHERE e.status = 'recovered'`,
    )
    .all() as {
    id: number;
    ts_ms: number;
    component: string;
    operation: string;
    run_id: string | null;
    recovered_by: string;
    recovered_ms: number;
    verdict: string | null;
  }[];
  const answered = db.prepare(
    `SELECT count(*) AS n FROM metrics WHERE ok = 1 AND cached = 0 AND component = ? AND ts >= ? AND ts <= ?`,
  );
  const resumed = db.prepare(
    `SELECT count(*) AS n FROM interrupted_run_ids i JOIN interrupted_runs r ON r.id = i.interrupted_id
     JOIN prd_runs p ON p.run_id = r.resumed_by_run
     WHERE i.run_id = ? AND r.status = 'resumed' AND p.success = 1 AND p.structural = 0`,
  );
  const iso = (ms: number) => new Date(ms).toISOString();
  const missing: string[] = [];
  for (const e of events) {
    const n = (q: Database.Statement, ...args: unknown[]) => (q.get(...args) as { n: number }).n;
    const ok =
      e.verdict === 'recovered' &&
      (['retry', 'reask', 'fallback'].includes(e.recovered_by)
        ? n(answered, e.component, iso(e.ts_ms - 1), iso(e.recovered_ms + 1)) > 0
        : ['resume', 'rerun'].includes(e.recovered_by)
          ? e.run_id !== null && n(resumed, e.run_id) > 0
          : e.recovered_by === 'repair_db' && e.component === 'storage' && e.operation === 'open');
    if (!ok)
      missing.push(`occurrence #${e.id} (${e.component}) recovered by ${e.recovered_by} without a replayed success`);
  }
  return missing;
}

/** The figures of several databases as one `recover status` (MTTR weighted by each one's recoveries). */
export function sumStatus(all: readonly RecoveryStatus[]) {
  const sum = (k: 'total_failures' | 'active_failures' | 'recovered' | 'cause_cleared' | 'resolved') =>
    all.reduce((a, s) => a + s[k], 0);
  const by: Record<string, number> = {};
  for (const s of all) for (const [k, v] of Object.entries(s.recovered_by)) by[k] = (by[k] ?? 0) + (v ?? 0);
  const timed = all.filter((s) => s.mttr_ms !== null);
  const weight = (s: RecoveryStatus) => s.recovered || 1;
  const total = sum('total_failures');
  return {
    cases: all.length,
    total_failures: total,
    active_failures: sum('active_failures'),
    recovered: sum('recovered'),
    cause_cleared: sum('cause_cleared'),
    resolved: sum('resolved'),
    recovery_rate: total ? Math.round((sum('recovered') / total) * 10000) / 10000 : null,
    mttr_ms: timed.length
      ? Math.round(timed.reduce((a, s) => a + s.mttr_ms! * weight(s), 0) / timed.reduce((a, s) => a + weight(s), 0))
      : null,
    recovered_by: by,
    runs: {
      interrupted: all.reduce((a, s) => a + s.runs.interrupted, 0),
      resumed: all.reduce((a, s) => a + s.runs.resumed, 0),
    },
  };
}
