import { mean, round } from '../diagnostics/math.js';
import type { FailureEventRow } from '../storage/recovery-repo.js';
import type { RecoveryStatus } from './types.js';

/**
 * Recovery figures over failure occurrences: an occurrence counts as recovered once it was
 * recovered in-run or by `recover --run` (or resolved); MTTR is the mean time from the
 * occurrence to its recovery. With no failures the rate is 1 (nothing is left unrecovered).
 */
export function recoveryStatus(events: readonly FailureEventRow[]): RecoveryStatus {
  const byType: RecoveryStatus['by_type'] = {};
  let active = 0;
  let recovered = 0;
  const ttr: number[] = [];
  for (const e of events) {
    const t = (byType[e.type] ??= { total: 0, active: 0, recovered: 0 });
    t.total++;
    if (e.status === 'open') {
      active++;
      t.active++;
    } else {
      recovered++;
      t.recovered++;
      if (e.recoveredMs !== null) ttr.push(Math.max(0, e.recoveredMs - e.tsMs));
    }
  }
  const total = events.length;
  const mttr = mean(ttr);
  return {
    total_failures: total,
    active_failures: active,
    recovered,
    recovery_rate: total === 0 ? 1 : round(recovered / total, 4),
    mttr_ms: mttr === undefined ? null : round(mttr, 1),
    by_type: byType,
  };
}
