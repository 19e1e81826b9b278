import type { ZodType } from 'zod';
import { isAbortError } from '../errors.js';
import { TaskType, type Answer, type ModelAPI, type ProgressEvent } from '../models/types.js';
import type { PrdRepo } from '../storage/prd-repo.js';
import type { Keep } from './keep.js';
import { nodeKey } from './keys.js';
import type { Semaphore } from '../util/semaphore.js';
import type { PrdEvent } from './events.js';
import type { BuiltPrompt } from './prompts.js';
import type { RunStats } from './stats.js';

/** One node's model call. */
/** Wraps each node's model call (e.g. recovery strategies); the default calls it once (the model API retries). */
export type NodeRunner = <T>(
  fn: () => Promise<T>,
  info: { path: string; kind: 'chunk' | 'expand'; signal: AbortSignal },
) => Promise<T>;

export interface NodeCallSpec<T> {
  path: string;
  kind: 'chunk' | 'expand';
  prompt: BuiltPrompt;
  schema: ZodType<T>;
  complexity: number;
  title: string;
  depth: number;
  parent?: string;
  /** Whether the answer belongs to the plan; speculative work learns it later. */
  keep: Keep;
  /** The call's own signal: the run's, or a speculation's (aborted when the speculation is dropped). */
  signal: AbortSignal;
  /** The answer's text as it streams: a new attempt (retry, re-ask, fallback) starts over. */
  stream?: { onAttempt(): void; onText(delta: string): void };
}

export interface NodeCallerDeps {
  api: ModelAPI;
  repo: PrdRepo;
  runKey: string;
  stats: RunStats;
  emit: (e: PrdEvent) => void;
  gate: Semaphore;
  runNode: NodeRunner;
  /** Aborted on the first hard failure of kept work, or by the caller. */
  run: AbortController;
  model?: string;
  strictModel: boolean;
  noCache: boolean;
  useCheckpoints: boolean;
  /** Task type of the calls (routing: RESEARCH asks the research role first); default PLANNING. */
  taskType?: TaskType;
  /** Component on the calls' metrics and failure rows; default 'prd' (the task commands use their job name). */
  component?: string;
}

/**
 * Asks one node's question: from its checkpoint when an earlier run answered it, else through the
 * model door inside the run's concurrency gate. A kept answer is checkpointed; a speculative one only
 * once its verdict says kept, so nothing of a discarded speculation is written. Progress events of
 * speculative work are held back the same way.
 */
export class NodeCaller {
  /** Nodes answered by a model or a checkpoint (0 at the end = no model was reachable). */
  answered = 0;

  constructor(private readonly d: NodeCallerDeps) {}

  async ask<T>(s: NodeCallSpec<T>): Promise<{ value: T; model?: string }> {
    const { d } = this;
    const node = (e: Omit<Extract<PrdEvent, { type: 'node' }>, 'type' | 'path' | 'parent' | 'title' | 'depth'>) =>
      s.keep.whenKnown((v) => {
        if (v)
          d.emit({ type: 'node', path: s.path, parent: s.parent, title: s.title, depth: s.depth, ...e } as PrdEvent);
      });
    const key = nodeKey(d.runKey, s.path, s.prompt.promptId, JSON.stringify(s.prompt.messages));
    if (d.useCheckpoints) {
      const cp = d.repo.getCheckpoint(key);
      const ok = cp && s.schema.safeParse(cp.value);
      if (cp && ok?.success) {
        this.answered++;
        d.stats.resumed(cp.model, s.prompt.promptId);
        node({ state: 'done', origin: 'checkpoint', model: cp.model });
        s.keep.whenKnown((v) => v && d.emit({ type: 'stats', ...d.stats.live() }));
        return { value: ok.data, model: cp.model };
      }
    }
    let ans: Answer<T>;
    try {
      ans = await d.gate.run(async () => {
        if (s.signal.aborted) throw s.signal.reason;
        node({ state: 'running' });
        return d.runNode(
          async () => {
            try {
              return await d.api.generateObject(
                {
                  type: d.taskType ?? TaskType.PLANNING,
                  complexity: s.complexity,
                  messages: s.prompt.messages,
                  model: d.model,
                  strictModel: d.strictModel,
                  promptId: s.prompt.promptId,
                  noCache: d.noCache,
                  signal: s.signal,
                  component: d.component ?? 'prd',
                  ...(s.stream ? { onProgress: streamTo(s.stream) } : {}),
                },
                s.schema,
              );
            } catch (e) {
              if (!isAbortError(e)) d.stats.failed();
              throw e;
            }
          },
          { path: s.path, kind: s.kind, signal: s.signal },
        );
      });
    } catch (e) {
      // A dropped speculation ends quietly; a failure of work that is (or turns out to be) kept ends the run.
      if (s.signal.aborted && !d.run.signal.aborted) throw e;
      if (await s.keep.wait()) {
        node({ state: 'failed' });
        if (!d.run.signal.aborted) d.run.abort(e);
      }
      throw e;
    }
    this.answered++;
    d.stats.answered(ans, s.prompt.promptId);
    s.keep.whenKnown((v) => {
      if (!v) return;
      d.repo.saveCheckpoint({
        nodeKey: key,
        runKey: d.runKey,
        path: s.path,
        kind: s.kind,
        value: ans.value,
        model: ans.model.alias,
        promptId: s.prompt.promptId,
        promptTokens: ans.usage.promptTokens,
        completionTokens: ans.usage.completionTokens,
        runId: d.stats.runId,
      });
    });
    node({
      state: 'done',
      origin: ans.cached ? 'cache' : 'model',
      model: ans.model.alias,
      tokens: ans.cached ? 0 : ans.usage.promptTokens + ans.usage.completionTokens,
    });
    s.keep.whenKnown((v) => v && d.emit({ type: 'stats', ...d.stats.live() }));
    return { value: ans.value, model: ans.model.alias };
  }
}

/** Turns the model door's progress events into the attempt/text callbacks of a streamed answer. */
function streamTo(stream: NonNullable<NodeCallSpec<unknown>['stream']>): (e: ProgressEvent) => void {
  return (e) => {
    if (e.type === 'model-call') stream.onAttempt();
    else if (e.type === 'model-tokens' && typeof e.delta === 'string') stream.onText(e.delta);
  };
}
