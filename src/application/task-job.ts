/**
 * The run wrapper of the task commands (expand, analyze-complexity, add-task, update*, scope-*): one
 * run id on every model call (metrics rows, failures), the run kept by trackRun so `recover --run`
 * can resume it when it fails (add the job to resume-runs.ts), and an experience recorded for
 * `improve` when it ends (finished or failed; not when interrupted or refused as bad input).
 * Validate the input (ids, tag, flags) before calling it: a run that never started is not a run.
 */
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { AppError, EXIT, isAbortError } from '../errors.js';
import type { TaskJobFacts } from '../learning/record-run.js';
import type { TaskJob } from '../learning/types.js';
import type { PrdEvent } from '../prd/events.js';
import type { RunStats } from '../prd/stats.js';
import { trackRun } from '../recovery/runs.js';
import { PrdRepo } from '../storage/prd-repo.js';
import { withGroupedWrites } from '../storage/write-group.js';
import type { TaskRunDeps } from '../tasks/run.js';
import { loadTag } from '../tasks/store.js';
import { currentTag } from '../taskmaster/state.js';
import { recordTaskJobSafely } from './learning.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';

/** What the experience needs besides what the wrapper measures itself. */
export type TaskJobReport = Omit<TaskJobFacts, 'job' | 'runId' | 'durationMs' | 'success' | 'errorCode'> & {
  /** The run produced its result without a model (structural planner, heuristic): not a model success. */
  withoutModel?: boolean;
};

export interface TaskJobSpec<R> {
  job: TaskJob;
  /** What makes two runs the same operation (a later success of it ends an interruption). */
  identity: unknown;
  /** What `recover --run` needs to run it again (JSON), or a function giving it at failure time. */
  input: unknown;
  /** The run continues an interrupted one (recover --run). */
  resumed?: boolean;
  /** Facts for the experience: from the result, or (result undefined) for a failed run. */
  report: (result: R | undefined) => TaskJobReport;
}

/**
 * Runs `fn` as one tracked run of a task job; `fn` gets the run-scoped project and the run id. The
 * job's small writes (checkpoints, cached answers, metrics rows) commit in shared transactions.
 */
export async function runTaskJob<R, E = never>(
  project: Project,
  spec: TaskJobSpec<R>,
  run: RunControls<E>,
  fn: (scoped: Project, runId: string) => Promise<R>,
): Promise<R> {
  return withGroupedWrites(project.db(), () => trackedJob(project, spec, run, fn));
}

async function trackedJob<R, E>(
  project: Project,
  spec: TaskJobSpec<R>,
  run: RunControls<E>,
  fn: (scoped: Project, runId: string) => Promise<R>,
): Promise<R> {
  const runId = randomUUID();
  const scoped = project.forRun(runId);
  const t0 = Date.now();
  let result: R | undefined;
  let error: unknown;
  try {
    result = await trackRun(
      project.db(),
      {
        job: spec.job,
        identity: spec.identity,
        input: spec.input,
        runId,
        resumed: spec.resumed ?? false,
        // The job's model calls carry its name as their component (see src/tasks).
        answered: [spec.job],
        verified: (r: R) => !spec.report(r).withoutModel,
      },
      () => fn(scoped, runId),
    );
    return result;
  } catch (e) {
    error = e;
    throw e;
  } finally {
    const badInput = error instanceof AppError && error.exitCode === EXIT.BAD_INPUT;
    if (!run.signal?.aborted && !isAbortError(error) && !badInput) {
      const { withoutModel, ...r } = spec.report(result);
      const note = await recordTaskJobSafely(
        scoped,
        {
          ...r,
          job: spec.job,
          runId,
          durationMs: Date.now() - t0,
          success: error === undefined && !withoutModel,
          ...(error ? { errorCode: error instanceof AppError ? error.code : 'INTERNAL' } : {}),
        },
        { useModel: !withoutModel },
      );
      if (note) run.onNote?.(note);
    }
  }
}

/** The tag a task job works on: paths relative to `cwd` (the CLI passes the shell's), else to the project root. */
export function taskJobTag(project: Project, o: { tasksPath?: string; tag?: string; cwd?: string }) {
  const base = o.cwd ?? project.paths.root;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const tasksPath = o.tasksPath ? abs(o.tasksPath) : project.paths.tasks;
  const tag = o.tag ?? currentTag(project.paths.state);
  return { abs, tasksPath, tag, loaded: loadTag(tasksPath, tag) };
}

/** A task engine's dependencies inside a run: the run's model API and stats, the caller's progress and Ctrl-C. */
export function taskEngineDeps(scoped: Project, stats: RunStats, run: RunControls<PrdEvent>): TaskRunDeps {
  return {
    api: scoped.api(),
    repo: new PrdRepo(scoped.db()),
    stats,
    ...(run.onProgress ? { onProgress: run.onProgress } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
  };
}

/** The model figures of a task job's summary. */
export function taskJobFigures(s: RunStats, t0: number) {
  return {
    llmCalls: s.calls,
    promptTokens: s.promptTokens,
    cachedPromptTokens: s.cachedPromptTokens,
    completionTokens: s.completionTokens,
    cacheHits: s.cacheHits,
    resumedNodes: s.resumedNodes,
    reasks: s.reasks,
    fallbacks: s.fallbacks,
    models: [...s.models],
    durationMs: Math.round(performance.now() - t0),
  };
}
