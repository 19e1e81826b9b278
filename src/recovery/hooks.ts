import type { ModelHooks } from '../models/types.js';
import type { DB } from '../storage/db.js';
import { RecoveryRepo } from '../storage/recovery-repo.js';
import { classifyFailure } from '../diagnostics/classify.js';

/**
 * The failure hook every project gets (wired in src/context.ts): each failure the model API sees,
 * recovered or not, is classified and stored. Kept light (no probes, no SDKs) because every
 * command loads it; the DB is fetched only when a failure actually happens.
 */
export function recoveryHooks(getDb: () => DB, now: () => number = Date.now): ModelHooks {
  return {
    onFailure: (ev) => {
      try {
        // Not cached: the project may close and reopen its DB (e.g. after a repair).
        const repo = new RecoveryRepo(getDb());
        const f = classifyFailure(ev.error, {
          component: ev.component,
          operation: ev.operation,
          provider: ev.provider,
          endpoint: ev.endpoint,
          model: ev.model,
          taskType: ev.taskType,
        });
        repo.record(f, now(), ev.recoveredBy);
      } catch {
        // Recording must never fail the call it observes (the DB may be the thing that is failing).
      }
    },
  };
}
