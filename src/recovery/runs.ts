import { createHash } from 'node:crypto';
import { classifyFailure } from '../diagnostics/classify.js';
import { isAbortError } from '../errors.js';
import type { DB } from '../storage/db.js';
import { InterruptedRunsRepo } from '../storage/interrupted-runs-repo.js';
import { RecoveryRepo } from '../storage/recovery-repo.js';
import type { RecoveredBy } from './types.js';

/** A run of a job that `recover --run` can resume when it fails. */
export interface TrackedRun<T> {
  /** The job, as the resumer knows it: 'parse-prd', 'research-loop', 'expand'. */
  job: string;
  /** What makes two runs the same operation; a later verified success of the same job and identity ends an interruption. */
  identity: unknown;
  /** What the resumer needs to run the job again (JSON), or a function giving it when the run fails (e.g. the checkpoint the run saved). */
  input: unknown;
  /** This run's id: the model API tags its failures with it. */
  runId: string;
  /** The run continues from its checkpoint (rather than starting over). */
  resumed?: boolean;
  /**
   * Components whose requests a verified success has answered, every one: their failures in this
   * run that the model API did not recover in the same call were answered on a later try, and
   * theirs (with the run's own error) are the failures of an interruption the success recovers.
   * Others (e.g. the experience's embedding) were not replayed. Default: every component.
   */
  answered?: string[];
  /** Whether a result is the verified success of the operation (e.g. not a fallback to a plan without model); default yes. */
  verified?: (result: T) => boolean;
}

/** Canonical JSON (sorted keys), so equal inputs hash equally. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** The stored identity of an operation. */
export const identityOf = (identity: unknown): string =>
  createHash('sha256').update(canonical(identity)).digest('hex').slice(0, 24);

// Bookkeeping must never replace the outcome it records (the database may be what failed).
function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    /* see above */
  }
}

/**
 * Runs a job and keeps what `recover` needs. On failure (not a user's abort) the run is stored as
 * interrupted with its input, linked to the open interruption of the same operation if there is
 * one; when the model API recorded no failure for it, the run's own error is recorded. On a
 * verified success the run's failed requests it answered later become recovered (retry), and every
 * interruption of the same operation is recovered by this run (resume or rerun), from its first
 * failure to now.
 */
export async function trackRun<T>(
  db: DB,
  spec: TrackedRun<T>,
  fn: () => Promise<T>,
  now: () => number = Date.now,
): Promise<T> {
  const identity = identityOf(spec.identity);
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    if (!isAbortError(e)) quietly(() => interrupted(db, spec, identity, e, now()));
    throw e;
  }
  if (spec.verified?.(result) ?? true) quietly(() => succeeded(db, spec, identity, now()));
  return result;
}

function interrupted<T>(db: DB, spec: TrackedRun<T>, identity: string, e: unknown, atMs: number): void {
  const f = classifyFailure(e, { component: spec.job, operation: 'run' });
  new InterruptedRunsRepo(db).recordInterruptedRun({
    job: spec.job,
    identity,
    input: typeof spec.input === 'function' ? (spec.input as () => unknown)() : spec.input,
    runId: spec.runId,
    failedMs: atMs,
    ...(f.code ? { errorCode: f.code } : {}),
    errorMessage: f.message,
  });
  const repo = new RecoveryRepo(db);
  // The model API already recorded the failed requests; the run's error is new only when it did not.
  if (!repo.events({ runIds: [spec.runId] }).some((ev) => ev.status === 'open'))
    repo.record(f, { atMs, runId: spec.runId });
}

function succeeded<T>(db: DB, spec: TrackedRun<T>, identity: string, atMs: number): void {
  const repo = new RecoveryRepo(db);
  if (spec.answered?.length) {
    const answered = new Set(spec.answered);
    const open = repo
      .events({ runIds: [spec.runId] })
      .filter((e) => e.status === 'open' && e.component !== undefined && answered.has(e.component));
    closeByGroup(repo, open, atMs, 'retry', `answered on a later try inside run ${spec.runId}`, {
      from: ['open'],
      runIds: [spec.runId],
      components: spec.answered,
    });
  }
  const runs = new InterruptedRunsRepo(db);
  const by: RecoveredBy = spec.resumed ? 'resume' : 'rerun';
  // What this run did again: the requests of the components it answered, and the run itself.
  const did = spec.answered ? new Set([...spec.answered, spec.job]) : undefined;
  for (const run of runs.interruptedRuns({ status: ['interrupted'], job: spec.job, identity })) {
    const detail = `run ${spec.runId} ${spec.resumed ? 'resumed' : 'ran'} ${spec.job} again to success`;
    const evs = repo
      .events({ runIds: run.runIds })
      .filter(
        (e) =>
          (e.status === 'open' || e.status === 'cause_cleared') &&
          (!did || (e.component !== undefined && did.has(e.component))),
      );
    closeByGroup(repo, evs, atMs, by, detail, {
      from: ['open', 'cause_cleared'],
      runIds: run.runIds,
      ...(did ? { components: [...did] } : {}),
    });
    runs.closeInterruptedRun(run.id, { status: 'resumed', atMs, byRun: spec.runId, detail });
  }
}

/** One attempt per failure group ends its listed occurrences; its duration runs from the first of them. */
function closeByGroup(
  repo: RecoveryRepo,
  events: readonly { failureId: number; tsMs: number }[],
  atMs: number,
  strategy: RecoveredBy,
  detail: string,
  close: { from: ('open' | 'cause_cleared')[]; runIds: string[]; components?: string[] },
): void {
  const first = new Map<number, number>();
  for (const e of events) first.set(e.failureId, Math.min(first.get(e.failureId) ?? e.tsMs, e.tsMs));
  for (const [failureId, t0] of first)
    repo.recordAttempt(
      failureId,
      { tsMs: atMs, strategy, outcome: 'success', verdict: 'recovered', durationMs: Math.max(0, atMs - t0), detail },
      { ...close, resolution: `${strategy}: ${detail}` },
    );
}
