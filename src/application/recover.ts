/**
 * recover: the failures recorded in a project, their figures, resolving one by hand, and `--run`
 * (repair a damaged database, scan the metrics, resume interrupted runs, check the other causes).
 * The CLI's `recover` and the library facade call these; neither assembles a recovery system itself.
 */
import { ValidationError } from '../errors.js';
import type { Finding } from '../diagnostics/detect.js';
import type { ProgressEvent } from '../models/types.js';
import { openOrRepairDb } from '../recovery/db-check.js';
import type { RecoverOutcome } from '../recovery/recover-run.js';
import { FailureRecoverySystem } from '../recovery/system.js';
import type { FailureRecord, InterruptedRun, RecoveryStatus } from '../recovery/types.js';
import type { RepairResult } from '../storage/db-repair.js';
import type { DB } from '../storage/db.js';
import type { Project } from './project.js';
import { runResumer } from './resume-runs.js';
import type { RunControls } from './run-controls.js';

/** The project's recovery system over `db` (the model API is built only if a diagnosis needs it). */
function recoverySystem(project: Project, db: DB = project.db()): FailureRecoverySystem {
  return new FailureRecoverySystem({
    db,
    config: project.config,
    api: async () => {
      try {
        return project.api();
      } catch {
        return undefined;
      }
    },
  });
}

/** `recover status`: totals, recovered (replayed successes only), cause cleared, recovery rate, MTTR, runs. */
export function recoverStatusUseCase(project: Project): RecoveryStatus {
  return recoverySystem(project).status();
}

/** `recover`: failure groups, newest first, and the runs still waiting to be resumed. */
export function recoverListUseCase(project: Project): { failures: FailureRecord[]; runs: InterruptedRun[] } {
  const system = recoverySystem(project);
  return { failures: system.list(), runs: system.interruptedRuns() };
}

/** `recover --resolve <id>`: marks a failure group resolved by hand. */
export function recoverResolveUseCase(project: Project, o: { id: number }): FailureRecord {
  const system = recoverySystem(project);
  if (!system.get(o.id))
    throw new ValidationError(`no failure #${o.id}`, { hint: 'list them with `task-master-local recover`' });
  return system.resolve(o.id)!;
}

/** Options of `recover --run`. */
export interface RecoverRunOptions {
  /** Only these failure groups. */
  ids?: number[];
  /** Let a missing Ollama model be pulled (else local.allowPull). */
  allowPull?: boolean;
}

/** What `recover --run` did: the repair (when the database needed one), findings, one outcome per group, figures after. */
export interface RecoverRunResult {
  repair?: RepairResult;
  detected: Finding[];
  outcomes: RecoverOutcome[];
  status: RecoveryStatus;
}

/**
 * `recover --run`: repairs the database first when it cannot be opened or fails its check, records
 * what the metrics show, resumes interrupted runs through their use cases once the cause is gone and
 * checks the cause of every other open failure. Only a replayed success counts as recovered.
 */
export async function recoverRunUseCase(
  project: Project,
  o: RecoverRunOptions = {},
  run: RunControls<ProgressEvent> = {},
): Promise<RecoverRunResult> {
  const { db, repair } = openOrRepairDb(
    { path: project.config.dbPath, db: () => project.db(), close: () => project.close() },
    (d) => recoverySystem(project, d),
  );
  const system = recoverySystem(project, db);
  const detected = system.detect();
  const outcomes = await system.recover({
    resume: runResumer(project),
    ...(o.ids ? { ids: o.ids } : {}),
    ...(o.allowPull ? { allowPull: true } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
    ...(run.onProgress ? { onProgress: run.onProgress } : {}),
  });
  return { ...(repair ? { repair } : {}), detected, outcomes, status: system.status() };
}
