import { AppError, abortedError, isNoModel } from '../errors.js';
import { TaskType, type ModelAPI } from '../models/types.js';
import type { PrdRepo } from '../storage/prd-repo.js';
import { Decomposer, settleAll, toNode } from './decompose.js';
import type { PrdEvent } from './events.js';
import { KeptTitles } from './dedupe.js';
import { hash, runKey } from './keys.js';
import { Keep } from './keep.js';
import { Semaphore } from '../util/semaphore.js';
import { NodeCaller, type NodeRunner } from './node-call.js';
import { listCall } from './pipeline.js';
import { breakCycles, mergeDuplicates, normalizeDeps, type DepFix, type PlanNode } from './plan.js';
import { maxTasks, tasksForChunk } from './prompts.js';
import { DEFAULT_PROMPT_VERSION, chunkRequest, type PromptVersion } from './prompt-set.js';
import { GeneratedTaskSchema, tasksAnswerSchema } from './schema.js';
import { chunkPrd, prdBudget, splitSections, type Chunk } from './split.js';
import type { RunStats } from './stats.js';

export type { NodeRunner };

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
  /** false = expand a task only once its parent's whole answer is in (default: as soon as it streams in). */
  pipelined?: boolean;
  /** Which prompt version to ask with (default: the newest); older ones stay for side-by-side runs. */
  promptVersion?: PromptVersion;
}

export type { PrdEvent } from './events.js';

export interface ProcessorDeps {
  api: ModelAPI;
  repo: PrdRepo;
  clock?: () => number;
  onProgress?: (e: PrdEvent) => void;
  /** Wraps each node's model call (recovery strategies); default: call once (the model API retries and falls back). */
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
 * chunk, merge duplicates and fix dependencies, and decompose complex tasks level by level up to
 * maxDepth. Pipelined: a task's decomposition is asked as soon as the task is complete in the streamed
 * answer, while its siblings are still being generated (see listCall). Chunks are asked one after the
 * other, each as soon as the previous chunk's answer is in, so a one-slot server reads each PRD part
 * once for its top-level call and all of its expansions (they share that leading block). Every kept
 * answer is checkpointed as it arrives; a rerun with the same PRD and options reuses them and ends
 * with the same plan.
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

    // One controller for the whole run: the first hard failure of kept work (or Ctrl-C) stops everything.
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const caller = new NodeCaller({
      api,
      repo,
      runKey: rk,
      stats,
      emit,
      gate: new Semaphore(Math.max(1, opts.concurrency)),
      // No second retry layer: it re-sent calls that had already timed out.
      runNode: this.deps.runNode ?? ((fn) => fn()),
      run: ctl,
      model: opts.model,
      strictModel: opts.requireModel && !!opts.model,
      noCache: opts.noCache,
      useCheckpoints,
    });
    const decomposer = new Decomposer(caller, { ...opts, version, contextLength, stats });
    const kept = new KeptTitles();
    const answers: { nodes: PlanNode[]; deps: number[][]; follow: Promise<unknown>[] }[] = [];
    const pending: Promise<unknown>[] = [];
    const fixes: DepFix[] = [];
    try {
      try {
        for (const c of chunks) {
          const want = tasksForChunk(opts.numTasks, c, totalTokens);
          const prompt = chunkRequest(version, c, chunks.length, want);
          const r = await listCall(
            caller,
            {
              spec: {
                path: `c${c.index}`,
                kind: 'chunk',
                prompt,
                schema: tasksAnswerSchema(want ? maxTasks(want) : undefined),
                complexity: 6,
                title: chunks.length === 1 ? 'PRD' : (c.headings[0] ?? `part ${c.index + 1}`),
                depth: 0,
                keep: Keep.yes(),
                signal: ctl.signal,
              },
              key: 'tasks',
              // Top-level tasks are decomposed only below max-depth 1.
              pipelined: opts.maxDepth <= 1 ? false : opts.pipelined,
              element: GeneratedTaskSchema,
              max: want ? maxTasks(want) : Number.POSITIVE_INFINITY,
              items: (a) => a.tasks,
              toNode: (j, t, model) => toNode(t, `c${c.index}/t${j + 1}`, 1, [], model, prompt.promptId),
              // A task that merging will drop (same work as a kept task before it) is not decomposed.
              follow: (j, nodes) =>
                kept.isDup(nodes, j) ? undefined : decomposer.request(nodes[j]!, [nodes.slice(0, j + 1)], c),
              run: (j, nodes, p, keep, sig) => decomposer.expand(nodes[j]!, [nodes.slice(0, j + 1)], c, p, keep, sig),
            },
            ctl.signal,
          );
          const follow = r.follow.map((f) => f ?? Promise.resolve(undefined));
          pending.push(...follow);
          stats.discarded += r.discarded;
          const n = normalizeDeps(
            r.value.tasks.map((t) => t.dependencies),
            r.nodes.map((x) => x.path),
          );
          fixes.push(...n.fixes);
          answers.push({ nodes: r.nodes, deps: n.deps, follow });
          kept.addAll(r.nodes.map((x) => x.title));
        }
      } catch (e) {
        if (!ctl.signal.aborted) ctl.abort(e);
        await Promise.allSettled(pending); // no call outlives the run
        throw e;
      }
      const flat: PlanNode[] = [];
      const subtree = new Map<string, Promise<unknown>>();
      for (const a of answers) {
        const offset = flat.length;
        a.nodes.forEach((x, j) => {
          flat.push({ ...x, deps: a.deps[j]!.map((d) => d + offset) });
          subtree.set(x.path, a.follow[j]!);
        });
      }
      const m = mergeDuplicates(flat);
      const bc = breakCycles(
        m.nodes.map((x) => x.deps),
        m.nodes.map((x) => x.path),
      );
      fixes.push(...bc.fixes);
      const top = m.nodes.map((x, i) => ({ ...x, deps: bc.deps[i]! }));
      for (const t of top)
        emit({ type: 'node', path: t.path, parent: t.path.split('/')[0], title: t.title, depth: 1, state: 'done' });
      const expanded = await settleAll(top.map((t) => subtree.get(t.path)!));
      const nodes = top.map((t, i) => {
        const x = expanded[i] as Awaited<ReturnType<Decomposer['expand']>> | undefined;
        if (x) fixes.push(...x.fixes);
        return x ? { ...t, children: x.children } : t;
      });
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
      if (isNoModel(e) && caller.answered === 0)
        throw new NoModelError(e.code, e.message, {
          hint: e.hint,
          details: { ...e.details, wouldUse: ref?.alias ?? e.details?.wouldUse },
          cause: e,
        });
      if (isNoModel(e)) {
        throw new AppError(e.code, `${e.message} (after ${caller.answered} answered nodes)`, {
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

function abortError(signal: AbortSignal): AppError {
  const r = signal.reason as unknown;
  if (r instanceof AppError) return r;
  return abortedError(
    signal,
    'parse-prd was interrupted; nothing was written',
    'answered nodes are checkpointed: rerun with --resume to continue',
  );
}
