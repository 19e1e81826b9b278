import { mean, round } from '../diagnostics/math.js';
import type { FailureEventRow } from '../storage/recovery-repo.js';
import type { RecoveredBy, RecoveryStatus, StatusCounts } from './types.js';

const KEYS: Record<FailureEventRow['status'], keyof StatusCounts> = {
  open: 'active',
  recovered: 'recovered',
  cause_cleared: 'cause_cleared',
  resolved: 'resolved',
};

/**
 * Recovery figures over failure occurrences. Only `recovered` occurrences count toward the rate:
 * their operation succeeded afterwards. MTTR is measured per recovery (one attempt row ends one or
 * more occurrences of a group): from the earliest occurrence it ended to the verified success.
 * Occurrences recovered before attempts were linked to them (old databases) have no measured time
 * and stay out of the mean rather than count as 0.
 */
export function recoveryStatus(
  events: readonly FailureEventRow[],
  runs: readonly { status: 'interrupted' | 'resumed' | 'abandoned' }[] = [],
): RecoveryStatus {
  const byType: Record<string, StatusCounts> = {};
  const totals: StatusCounts = { total: 0, active: 0, recovered: 0, cause_cleared: 0, resolved: 0 };
  const recoveredBy: RecoveryStatus['recovered_by'] = {};
  const incidents = new Map<number, { first: number; end: number }>();
  for (const e of events) {
    const t = (byType[e.type] ??= { total: 0, active: 0, recovered: 0, cause_cleared: 0, resolved: 0 });
    const key = KEYS[e.status];
    t.total++;
    t[key]++;
    totals.total++;
    totals[key]++;
    if (e.status !== 'recovered') continue;
    if (e.recoveredBy) recoveredBy[e.recoveredBy as RecoveredBy] = (recoveredBy[e.recoveredBy as RecoveredBy] ?? 0) + 1;
    if (e.attemptId === undefined || e.recoveredMs === undefined) continue;
    const i = incidents.get(e.attemptId);
    if (!i) incidents.set(e.attemptId, { first: e.tsMs, end: e.recoveredMs });
    else i.first = Math.min(i.first, e.tsMs);
  }
  const mttr = mean([...incidents.values()].map((i) => Math.max(0, i.end - i.first)));
  const count = (s: string) => runs.filter((r) => r.status === s).length;
  return {
    total_failures: totals.total,
    active_failures: totals.active,
    recovered: totals.recovered,
    cause_cleared: totals.cause_cleared,
    resolved: totals.resolved,
    recovery_rate: totals.total === 0 ? null : round(totals.recovered / totals.total, 4),
    mttr_ms: mttr === undefined ? null : round(mttr, 1),
    recovered_by: recoveredBy,
    runs: { interrupted: count('interrupted'), resumed: count('resumed'), abandoned: count('abandoned') },
    by_type: byType,
  };
}
