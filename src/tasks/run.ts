/**
 * How a task engine's run is set up and ended, shared by expand and analyze-complexity: the model
 * resolved and the project's leading block sized to its context, the start event, the caller's
 * Ctrl-C wired into the run's own controller, one NodeCaller on parse-prd's core (checkpoints, cache,
 * one concurrency gate), and the same endings: an interruption says what is checkpointed, no model
 * reachable before any answer gives the engine's answer without a model (labelled), no model after
 * some answers says they are kept.
 */
import { AppError, abortedError, isNoModel } from '../errors.js';
import { TaskType, type ModelAPI, type ModelRef } from '../models/types.js';
import type { PrdEvent } from '../prd/events.js';
import { NodeCaller } from '../prd/node-call.js';
import type { RunStats } from '../prd/stats.js';
import type { PrdRepo } from '../storage/prd-repo.js';
import { Semaphore } from '../util/semaphore.js';
import { contextBudget, projectContext } from './context.js';
import type { TaskRecord } from './store.js';

/** The options every task engine takes. */
export interface TaskRunOptions {
  concurrency: number;
  noCache: boolean;
  resume: boolean;
  /** Ask the research role first. */
  research: boolean;
  model?: string;
  /** Fail instead of answering without a model when none is reachable. */
  requireModel: boolean;
  defaultContextLength?: number;
}

export interface TaskRunDeps {
  api: ModelAPI;
  repo: PrdRepo;
  stats: RunStats;
  onProgress?: (e: PrdEvent) => void;
  signal?: AbortSignal;
}

/** Why a run answered without a model. */
export interface WithoutModel {
  reason: string;
  hint?: string;
  wouldUse?: string;
}

/** What the engine's work gets: the run set up. */
export interface TaskRun {
  ref: ModelRef | undefined;
  contextLength: number;
  /** The project's leading block, sized to the model's context. */
  context: string;
  caller: NodeCaller;
  /** The run's signal: aborted by Ctrl-C or by the first hard failure of kept work. */
  signal: AbortSignal;
  emit: (e: PrdEvent) => void;
  taskType: TaskType;
}

export interface TaskRunSpec<P extends { key: string; chunks: number }, R> {
  /** The job: the component on the calls' metrics and failure rows, and the name in messages. */
  job: 'expand' | 'analyze-complexity';
  /** Complexity the model is resolved with (routing). */
  complexity: number;
  /** What the checkpointed units are called in messages ('tasks', 'batches'). */
  units: string;
  /** Once the context is known: the run's key, how many chunks the start event announces, and what work needs. */
  plan(contextLength: number, context: string): P;
  work(run: TaskRun, plan: P): Promise<R>;
  /** The answer when no model was reachable before any answer (structural or heuristic). */
  withoutModel(why: WithoutModel): R;
}

/** Runs a task engine's work inside the shared set-up and endings. */
export async function taskRun<P extends { key: string; chunks: number }, R>(
  tag: { tag: string; tasks: readonly TaskRecord[] },
  o: TaskRunOptions,
  deps: TaskRunDeps,
  spec: TaskRunSpec<P, R>,
): Promise<R> {
  const { api, repo, stats, signal } = deps;
  const emit = deps.onProgress ?? (() => {});
  const taskType = o.research ? TaskType.RESEARCH : TaskType.PLANNING;
  const ref = await api.resolve({ type: taskType, complexity: spec.complexity, model: o.model });
  const contextLength = ref?.contextLength ?? o.defaultContextLength ?? 8192;
  const context = projectContext(tag.tasks, tag.tag, contextBudget(contextLength));
  const plan = spec.plan(contextLength, context);
  const useCheckpoints = o.resume || !o.noCache;
  emit({
    type: 'start',
    chunks: plan.chunks,
    model: ref?.alias,
    contextLength,
    resumable: useCheckpoints ? repo.countCheckpoints(plan.key) : 0,
  });
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const caller = new NodeCaller({
    api,
    repo,
    runKey: plan.key,
    stats,
    emit,
    gate: new Semaphore(Math.max(1, o.concurrency)),
    runNode: (fn) => fn(),
    run: ctl,
    model: o.model,
    strictModel: o.requireModel && !!o.model,
    noCache: o.noCache,
    useCheckpoints,
    taskType,
    component: spec.job,
  });
  try {
    return await spec.work({ ref, contextLength, context, caller, signal: ctl.signal, emit, taskType }, plan);
  } catch (e) {
    if (signal?.aborted)
      throw abortedError(
        signal,
        `${spec.job} was interrupted; nothing was written`,
        `answered ${spec.units} are checkpointed: run the same command again to continue`,
      );
    if (!isNoModel(e)) throw e;
    if (caller.answered === 0 && !o.requireModel) {
      emit({ type: 'structural', reason: e.message });
      const wouldUse = ref?.alias ?? (e.details?.wouldUse as string | undefined);
      return spec.withoutModel({
        reason: e.message,
        ...(e.hint ? { hint: e.hint } : {}),
        ...(wouldUse ? { wouldUse } : {}),
      });
    }
    throw new AppError(
      e.code,
      `${e.message}${caller.answered ? ` (after ${caller.answered} answered requests)` : ''}`,
      {
        hint: `${e.hint ?? 'start the model server'}; then run the same command again: answered ${spec.units} are checkpointed`,
        cause: e,
        ...(e.details ? { details: e.details } : {}),
      },
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
