import { classifyFailure } from '../diagnostics/classify.js';
import type { ModelHooks } from '../models/types.js';
import type { DB } from '../storage/db.js';
import { RecoveryRepo } from '../storage/recovery-repo.js';

const HOW = { retry: 'a retry', reask: 'a re-ask', fallback: 'a fallback model' } as const;

/**
 * The failure hook every project gets (wired in src/application/project.ts): each failure the
 * model API sees is classified and stored with the time it happened and its run. One the model API
 * recovered in the same call (the same request answered on a retry, a re-ask or by a fallback
 * model) is stored recovered, timed from the failure to that answer. Kept light (no probes, no
 * SDKs) because every command loads it; the DB is fetched only when a failure actually happens.
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
        const t = now();
        repo.record(f, {
          atMs: Math.min(ev.atMs ?? t, t),
          ...(ev.runId ? { runId: ev.runId } : {}),
          ...(ev.recoveredBy
            ? {
                recovered: {
                  by: ev.recoveredBy,
                  atMs: t,
                  detail: `the same request was answered after ${HOW[ev.recoveredBy]}`,
                },
              }
            : {}),
        });
      } catch {
        // Recording must never fail the call it observes (the DB may be the thing that is failing).
      }
    },
  };
}
