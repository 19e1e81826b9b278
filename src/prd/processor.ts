import { AppError, isAbortError } from '../errors.js';
import { TaskType, type Answer, type ModelAPI } from '../models/types.js';
import type { PrdRepo } from '../storage/prd-repo.js';
import { hash, nodeKey, runKey } from './keys.js';
import { limiter } from './limit.js';
import { breakCycles, mergeDuplicates, normalizeDeps, type DepFix, type PlanNode } from './plan.js';
import { maxTasks, subtaskCount, tasksForChunk, type BuiltPrompt } from './prompts.js';
import { DEFAULT_PROMPT_VERSION, chunkRequest, expandRequest, type PromptVersion } from './prompt-set.js';
import {
  mapPriority,
  subtasksAnswerSchema,
  tasksAnswerSchema,
  type GeneratedSubtask,
  type GeneratedTask,
} from './schema.js';
import { chunkPrd, prdBudget, splitSections, type Chunk } from './split.js';
import type { RunStats } from './stats.js';
import { retryingRunner, type NodeRunner } from './retry.js';

/** Plan-shaping and run options of one parse-prd run. */
export interface PrdOptions {
  /** 0 = the model decides. */
  numTasks: number;
  /** 1 = top-level tasks only. */
  maxDepth: number;
  concurrency: number;
  model?: string;
  /** Fail instead of falling back to the structural planner; with `model`, no fallback chain. */
  requireModel: boolean;
  noCache: boolean;
  /** Reuse checkpoints even under noCache. */
  resume: boolean;
  /** Tasks at least this complex are decomposed further. */
  complexityThreshold: number;
  /** Context window when the model does not report one. */
  defaultContextLength?: number;
  /** Which prompt version to ask with (default: the newest); older ones stay for side-by-side runs. */
  promptVersion?: PromptVersion;
}

/** Live progress of a run; commands turn these into views. */
export type PrdEvent =
  | { type: 'start'; chunks: number; model?: string; contextLength: number; resumable: number }
  | {
      type: 'node';
      path: string;
      parent?: string;
      title: string;
      depth: number;
      state: 'running' | 'done' | 'failed';
      origin?: 'model' | 'cache' | 'checkpoint';
      children?: number;
      model?: string;
      tokens?: number;
    }
  | { type: 'stats'; calls: number; tokens: number; cacheHits: number; resumed: number }
  | { type: 'structural'; reason: string };

export interface ProcessorDeps {
  api: ModelAPI;
  repo: PrdRepo;
  clock?: () => number;
  onProgress?: (e: PrdEvent) => void;
  /** Wraps each node's model call (retries, recovery strategies); default: retryingRunner(). */
  runNode?: NodeRunner;
}

/** What a run produced; nothing is written to tasks.json here. */
export interface PrdResult {
  nodes: PlanNode[];
  chunks: Chunk[];
  sections: number;
  runKey: string;
  prdHash: string;
  fixes: DepFix[];
  merged: { kept: string; dropped: string }[];
  stats: RunStats;
  contextLength: number;
  modelHint?: string;
}

/** Thrown inside the run to switch to the structural planner; carries the model diagnosis. */
export class NoModelError extends AppError {}

/**
 * Recursive PRD decomposition: chunk the PRD to the model's context, ask for top-level tasks per
 * chunk, merge duplicates and fix dependencies, then decompose complex tasks level by level up to
 * maxDepth, siblings in parallel within the concurrency limit. Every answer is checkpointed as it
 * arrives; a rerun with the same PRD and options reuses them and ends with the same plan.
 */
export class RecursivePRDProcessor {
  private readonly clock: () => number;
  constructor(private readonly deps: ProcessorDeps) {
    this.clock = deps.clock ?? (() => Date.now());
  }

  /** Runs the model-driven plan; throws NO_MODEL_AVAILABLE (untouched) if no model answered at all. */
  async run(prd: string, opts: PrdOptions, stats: RunStats, signal?: AbortSignal): Promise<PrdResult> {
    const { api, repo } = this.deps;
    const emit = this.deps.onProgress ?? (() => {});
    const prdHash = hash(prd);
    const ref = await api.resolve({ type: TaskType.PLANNING, complexity: 6, model: opts.model });
    const contextLength = ref?.contextLength ?? opts.defaultContextLength ?? 8192;
    const rk = runKey(prdHash, { ...opts, contextLength });
    const chunks = chunkPrd(prd, prdBudget(contextLength));
    const totalTokens = chunks.reduce((s, c) => s + c.tokens, 0);
    const useCheckpoints = opts.resume || !opts.noCache;
    const version = opts.promptVersion ?? DEFAULT_PROMPT_VERSION;
    emit({
      type: 'start',
      chunks: chunks.length,
      model: ref?.alias,
      contextLength,
      resumable: useCheckpoints ? repo.countCheckpoints(rk) : 0,
    });

    // One controller for the whole run: the first hard failure (or Ctrl-C) stops every sibling.
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const gate = limiter(Math.max(1, opts.concurrency));
    const runNode = this.deps.runNode ?? retryingRunner();
    let modelAnswers = 0;

    const ask = async <T>(
      path: string,
      kind: 'chunk' | 'expand',
      p: BuiltPrompt,
      schema: import('zod').ZodType<T>,
      complexity: number,
      title: string,
      depth: number,
      parent?: string,
    ): Promise<{ value: T; model?: string }> => {
      const key = nodeKey(rk, path, p.promptId, JSON.stringify(p.messages));
      if (useCheckpoints) {
        const cp = repo.getCheckpoint(key);
        const ok = cp && schema.safeParse(cp.value);
        if (cp && ok?.success) {
          modelAnswers++;
          stats.resumed(cp.model, p.promptId);
          emit({ type: 'node', path, parent, title, depth, state: 'done', origin: 'checkpoint', model: cp.model });
          emit({ type: 'stats', ...stats.live() });
          return { value: ok.data, model: cp.model };
        }
      }
      return gate(async () => {
        if (ctl.signal.aborted) throw abortError(ctl.signal);
        emit({ type: 'node', path, parent, title, depth, state: 'running' });
        let ans: Answer<T>;
        try {
          ans = await runNode(
            async () => {
              try {
                return await api.generateObject(
                  {
                    type: TaskType.PLANNING,
                    complexity,
                    messages: p.messages,
                    model: opts.model,
                    strictModel: opts.requireModel && !!opts.model,
                    promptId: p.promptId,
                    noCache: opts.noCache,
                    signal: ctl.signal,
                    component: 'prd',
                  },
                  schema,
                );
              } catch (e) {
                if (!isAbortError(e)) stats.failed();
                throw e;
              }
            },
            { path, kind, signal: ctl.signal },
          );
        } catch (e) {
          emit({ type: 'node', path, parent, title, depth, state: 'failed' });
          if (!ctl.signal.aborted) ctl.abort(e);
          throw e;
        }
        modelAnswers++;
        stats.answered(ans, p.promptId);
        repo.saveCheckpoint({
          nodeKey: key,
          runKey: rk,
          path,
          kind,
          value: ans.value,
          model: ans.model.alias,
          promptId: p.promptId,
          promptTokens: ans.usage.promptTokens,
          completionTokens: ans.usage.completionTokens,
          runId: stats.runId,
        });
        emit({
          type: 'node',
          path,
          parent,
          title,
          depth,
          state: 'done',
          origin: ans.cached ? 'cache' : 'model',
          model: ans.model.alias,
          tokens: ans.cached ? 0 : ans.usage.promptTokens + ans.usage.completionTokens,
        });
        emit({ type: 'stats', ...stats.live() });
        return { value: ans.value, model: ans.model.alias };
      });
    };

    try {
      // Level 1: one call per chunk, in parallel.
      const answers = await settleAll(
        chunks.map((c) => {
          const want = tasksForChunk(opts.numTasks, c, totalTokens);
          const title = chunks.length === 1 ? 'PRD' : (c.headings[0] ?? `part ${c.index + 1}`);
          return ask(
            `c${c.index}`,
            'chunk',
            chunkRequest(version, c, chunks.length, want),
            tasksAnswerSchema(want ? maxTasks(want) : undefined),
            6,
            title,
            0,
          );
        }),
      );
      const fixes: DepFix[] = [];
      const flat: PlanNode[] = [];
      const chunkPromptIds = chunks.map(
        (c) => chunkRequest(version, c, chunks.length, tasksForChunk(opts.numTasks, c, totalTokens)).promptId,
      );
      // Each chunk's own task list, before merging: an expansion prompt lists the siblings before its task.
      const chunkTasks: PlanNode[][] = [];
      answers.forEach(({ value: a, model }, ci) => {
        const paths = a.tasks.map((_t, j) => `c${ci}/t${j + 1}`);
        const n = normalizeDeps(
          a.tasks.map((t) => t.dependencies),
          paths,
        );
        fixes.push(...n.fixes);
        const offset = flat.length;
        const own = a.tasks.map((t, j) =>
          toNode(
            t,
            paths[j]!,
            1,
            n.deps[j]!.map((d) => d + offset),
            model,
            chunkPromptIds[ci],
          ),
        );
        chunkTasks.push(own);
        flat.push(...own);
      });
      const m = mergeDuplicates(flat);
      const bc = breakCycles(
        m.nodes.map((x) => x.deps),
        m.nodes.map((x) => x.path),
      );
      fixes.push(...bc.fixes);
      const top = m.nodes.map((x, i) => ({ ...x, deps: bc.deps[i]! }));
      for (const t of top)
        emit({ type: 'node', path: t.path, parent: t.path.split('/')[0], title: t.title, depth: 1, state: 'done' });

      // Deeper levels: each node is decomposed as soon as its own answer is in.
      const chunkOf = (path: string) => chunks[Number(/^c(\d+)/.exec(path)![1])]!;
      const expand = async (node: PlanNode, levels: PlanNode[][]): Promise<PlanNode> => {
        if (node.depth >= opts.maxDepth || node.complexity < opts.complexityThreshold) return node;
        const p = expandRequest(version, node, levels, chunkOf(node.path), contextLength);
        const { value: a, model } = await ask(
          node.path,
          'expand',
          p,
          subtasksAnswerSchema(subtaskCount(node.complexity) + 2),
          node.complexity,
          node.title,
          node.depth,
          levels.at(-2)?.at(-1)?.path,
        );
        const paths = a.subtasks.map((_s, k) => `${node.path}/${k + 1}`);
        const n = normalizeDeps(
          a.subtasks.map((s) => s.dependencies),
          paths,
        );
        const c = breakCycles(n.deps, paths);
        fixes.push(...n.fixes, ...c.fixes);
        const kids = a.subtasks.map((s, k) =>
          toNode({ ...s, priority: node.priority }, paths[k]!, node.depth + 1, c.deps[k]!, model, p.promptId),
        );
        const children = await settleAll(kids.map((k, i) => expand(k, [...levels, kids.slice(0, i + 1)])));
        return { ...node, children };
      };
      const nodes = await settleAll(
        top.map((t) => {
          const j = Number(/\/t(\d+)$/.exec(t.path)![1]);
          const own = chunkTasks[Number(/^c(\d+)/.exec(t.path)![1])]!;
          // The merged node (priority, complexity) is expanded in the words of its own chunk's list.
          return expand(t, [[...own.slice(0, j - 1), t]]);
        }),
      );
      return {
        nodes,
        chunks,
        sections: splitSections(prd).length,
        runKey: rk,
        prdHash,
        fixes,
        merged: m.merged,
        stats,
        contextLength,
        modelHint: ref?.alias,
      };
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      if (e instanceof AppError && e.code === 'NO_MODEL_AVAILABLE' && modelAnswers === 0)
        throw new NoModelError('NO_MODEL_AVAILABLE', e.message, {
          hint: e.hint,
          details: { ...e.details, wouldUse: ref?.alias ?? e.details?.wouldUse },
          cause: e,
        });
      if (e instanceof AppError && e.code === 'NO_MODEL_AVAILABLE') {
        throw new AppError('NO_MODEL_AVAILABLE', `${e.message} (after ${modelAnswers} answered nodes)`, {
          hint: `${e.hint ?? 'start the model server'}; then rerun with --resume: answered nodes are checkpointed`,
          cause: e,
        });
      }
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

function toNode(
  t: GeneratedTask | (GeneratedSubtask & { priority: string }),
  path: string,
  depth: number,
  deps: number[],
  model: string | undefined,
  promptId: string | undefined,
): PlanNode {
  return {
    path,
    depth,
    deps,
    model,
    promptId,
    title: t.title.trim(),
    description: t.description.trim(),
    details: t.details.trim(),
    testStrategy: t.testStrategy.trim(),
    priority: mapPriority(t.priority),
    complexity: t.complexity,
    children: [],
    source: 'model',
  };
}

function abortError(signal: AbortSignal): AppError {
  const r = signal.reason as unknown;
  if (r instanceof AppError) return r;
  return new AppError('ABORTED', 'parse-prd was interrupted; nothing was written', {
    hint: 'answered nodes are checkpointed: rerun with --resume to continue',
  });
}

/** Like Promise.all, but waits for every sibling to settle before rejecting, so no call outlives the run. */
async function settleAll<T>(ps: Promise<T>[]): Promise<T[]> {
  const r = await Promise.allSettled(ps);
  const bad = r.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (bad) {
    // Prefer the root cause over the aborts it caused in siblings.
    const root = r.find((x): x is PromiseRejectedResult => x.status === 'rejected' && !isAbortError(x.reason));
    throw (root ?? bad).reason;
  }
  return r.map((x) => (x as PromiseFulfilledResult<T>).value);
}
