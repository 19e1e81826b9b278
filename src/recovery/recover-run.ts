import type { ResolvedConfig } from '../config/schema.js';
import { abortedError, isAbortError, isAppError } from '../errors.js';
import type { ModelAPI, ProgressEvent } from '../models/types.js';
import { CachedPerformanceMonitor } from '../monitor/performance-monitor.js';
import type { DB } from '../storage/db.js';
import { executeStrategy, type ExecuteResult } from './execute.js';
import type { RecoveryRepo } from '../storage/recovery-repo.js';
import type { Diagnosis } from '../diagnostics/types.js';
import type { FailureRecord, FailureStatus, InterruptedRun } from './types.js';

/**
 * Runs an interrupted job again, from its checkpoint, through the same use case the CLI uses
 * (the application layer supplies it). It resolves once the run succeeded (the run itself records
 * that, see trackRun) and throws the run's error otherwise.
 */
export type RunResumer = (run: InterruptedRun, signal?: AbortSignal) => Promise<{ runId?: string; detail?: string }>;

/** What `recover --run` did for one failure group, and the status it ended with. */
export interface RecoverOutcome {
  failure: FailureRecord;
  /** The last act on the group: a check of its cause, or resuming the run it interrupted. */
  result: ExecuteResult | { strategy: 'resume'; outcome: 'success' | 'failure' | 'skipped'; detail: string };
  /** The interrupted run this group's failures belong to, when there is one. */
  run?: { id: number; job: string; status: InterruptedRun['status'] };
  durationMs: number;
}

/** What recovering needs of the FailureRecoverySystem (structural, so the two files do not import each other). */
export interface RecoverySystemView {
  readonly repo: RecoveryRepo;
  diagnose(id: number, signal?: AbortSignal): Promise<Diagnosis | undefined>;
  get(id: number): FailureRecord | undefined;
  list(status?: FailureStatus[]): FailureRecord[];
  interruptedRuns(status?: InterruptedRun['status'][]): InterruptedRun[];
  abandonRun(id: number, detail: string): void;
}

interface Env {
  db: DB;
  config?: ResolvedConfig;
  api?: () => Promise<ModelAPI | undefined>;
  fetch?: typeof fetch;
  now: () => number;
}

interface Options {
  ids?: number[];
  allowPull?: boolean;
  resume?: RunResumer;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
}

/** See FailureRecoverySystem.recover. */
export async function recoverAll(sys: RecoverySystemView, env: Env, o: Options): Promise<RecoverOutcome[]> {
  const monitor = new CachedPerformanceMonitor(env.db, { now: env.now });
  const checked = new Map<number, { result: ExecuteResult; ms: number }>();
  const wanted = (id: number) => !o.ids || o.ids.includes(id);

  // Checks the cause of a group once per call; a cause found gone clears its open occurrences.
  const check = async (f: FailureRecord) => {
    const done = checked.get(f.id);
    if (done) return done;
    const d = (await sys.diagnose(f.id, o.signal))!;
    o.onProgress?.({ type: 'recover:start', id: f.id, kind: f.kind, strategy: d.recommendedStrategy });
    const session = monitor.monitoredOperation('recovery', d.recommendedStrategy);
    const t0 = performance.now();
    const result = await executeStrategy(f, d, {
      config: env.config,
      api: env.api,
      allowPull: o.allowPull ?? env.config?.local.allowPull ?? false,
      dbPath: env.config?.dbPath,
      fetch: env.fetch,
      signal: o.signal,
      onProgress: o.onProgress,
    });
    const ms = performance.now() - t0;
    session.addMetric('cause_cleared', result.outcome === 'success' ? 1 : 0, 'bool');
    session.end(result.outcome !== 'failure', result.outcome === 'failure' ? result.detail : undefined);
    sys.repo.recordAttempt(
      f.id,
      {
        tsMs: env.now(),
        strategy: result.strategy,
        outcome: result.outcome,
        ...(result.outcome === 'success' ? { verdict: 'cause_cleared' as const } : {}),
        durationMs: ms,
        detail: result.detail,
      },
      { from: ['open'], resolution: `cause cleared (${result.strategy}): ${result.detail}` },
    );
    o.onProgress?.({ type: 'recover:done', id: f.id, outcome: result.outcome });
    const entry = { result, ms };
    checked.set(f.id, entry);
    return entry;
  };

  const out: RecoverOutcome[] = [];
  const handled = new Set<number>();
  for (const run of o.resume ? sys.interruptedRuns() : []) {
    if (o.signal?.aborted) break;
    const groupIds = [
      ...new Set(
        sys.repo
          .events({ runIds: run.runIds })
          .filter((e) => e.status === 'open' || e.status === 'cause_cleared')
          .map((e) => e.failureId),
      ),
    ];
    if (o.ids && !groupIds.some(wanted)) continue;
    const groups = groupIds.map((id) => sys.get(id)!);
    const t0 = performance.now();
    // A run is resumed only once nothing it failed on is known to be still there.
    const blocked: string[] = [];
    for (const g of groups.filter((x) => x.status === 'open')) {
      const { result } = await check(g);
      if (result.outcome === 'failure') blocked.push(`#${g.id} ${g.kind}: ${result.detail}`);
    }
    let act: RecoverOutcome['result'];
    if (blocked.length) act = { strategy: 'resume', outcome: 'skipped', detail: `not resumed: ${blocked.join('; ')}` };
    else {
      o.onProgress?.({ type: 'recover:resume', run: run.id, job: run.job });
      try {
        const r = await o.resume!(run, o.signal);
        const after = sys.interruptedRuns(['interrupted', 'resumed', 'abandoned']).find((x) => x.id === run.id);
        act =
          after?.status === 'resumed'
            ? { strategy: 'resume', outcome: 'success', detail: r.detail ?? `${run.job} resumed` }
            : {
                strategy: 'resume',
                outcome: 'failure',
                detail: `${run.job} ran${r.runId ? ` as ${r.runId}` : ''} but did not end the interruption (${r.detail ?? 'its input changed, or no model answered'})`,
              };
      } catch (e) {
        // Ctrl-C stops recover too; the interrupted run stays as it was, to resume next time.
        if (isAbortError(e) || o.signal?.aborted) throw e;
        act = { strategy: 'resume', outcome: 'failure', detail: (e as Error).message };
        // Refused as recorded (e.g. its tag has tasks now): it will never replay; stop trying, keep its failures.
        if (isAppError(e) && (e.code === 'VALIDATION' || e.code === 'CONFLICT')) {
          act.detail = `abandoned, it cannot run again as recorded: ${act.detail}`;
          sys.abandonRun(run.id, act.detail);
        }
      }
      if (act.outcome !== 'success')
        for (const g of groups)
          sys.repo.recordAttempt(g.id, {
            tsMs: env.now(),
            strategy: 'resume',
            outcome: 'failure',
            durationMs: performance.now() - t0,
            detail: act.detail,
          });
    }
    const status = sys.interruptedRuns(['interrupted', 'resumed', 'abandoned']).find((x) => x.id === run.id)!.status;
    for (const g of groups) {
      handled.add(g.id);
      if (wanted(g.id))
        out.push({
          failure: sys.get(g.id)!,
          result: act,
          run: { id: run.id, job: run.job, status },
          durationMs: performance.now() - t0,
        });
    }
  }
  const rest = (o.ids ? o.ids.map((id) => sys.get(id)).filter((f) => f !== undefined) : sys.list(['open'])).filter(
    (f) => !handled.has(f.id) && f.status === ('open' satisfies FailureStatus),
  );
  for (const f of rest) {
    if (o.signal?.aborted) break;
    // Findings of the detectors are checked by the detectors themselves (see detect()).
    if (f.context.operation === 'detect') continue;
    const { result, ms } = await check(f);
    out.push({ failure: sys.get(f.id)!, result, durationMs: ms });
  }
  if (o.signal?.aborted)
    throw abortedError(
      o.signal,
      'recover --run was interrupted; every attempt so far is recorded',
      'run `task-master-local recover --run` again to continue',
    );
  return out;
}
