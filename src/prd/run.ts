import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import type { ModelAPI } from '../models/types.js';
import type { NodeRow, PartRow, PrdRepo, RunSummary } from '../storage/prd-repo.js';
import { checkWritable, writeTag, type WriteMode } from '../taskmaster/tasks-file.js';
import { hash } from './keys.js';
import { toTaskMaster, type TmTask } from './map.js';
import { countByDepth, depthOf, type DepFix, type PlanNode } from './plan.js';
import { NoModelError, RecursivePRDProcessor, type NodeRunner, type PrdEvent, type PrdOptions } from './processor.js';
import { splitSections } from './split.js';
import { RunStats } from './stats.js';
import { STRUCTURAL_LABEL, structuralPlan } from './structural.js';

/** One parse-prd invocation, as the command hands it to the core. */
export interface ParsePrdInput {
  prd: string;
  prdPath: string;
  tasksPath: string;
  tag: string;
  mode: WriteMode;
  dryRun: boolean;
  options: PrdOptions;
  /** The configured main model (`provider/model`), named when no model is reachable. */
  configuredModel?: string;
  /** Run id; pass the one given to openProject so metrics rows of this run's calls carry it. */
  runId?: string;
}

export interface ParsePrdDeps {
  api: ModelAPI;
  repo: PrdRepo;
  clock?: () => number;
  now?: () => Date;
  onProgress?: (e: PrdEvent) => void;
  signal?: AbortSignal;
  /** Wraps each node's model call; see RecursivePRDProcessor. */
  runNode?: NodeRunner;
}

/** What the command renders: the tasks written (or that would be), the summary, and notices. */
export interface ParsePrdOutput {
  runId: string;
  tag: string;
  tasksPath: string;
  written: boolean;
  tasks: TmTask[];
  summary: RunSummary;
  structural?: { reason: string; hint?: string; wouldUse?: string };
  fixes: DepFix[];
  merged: { kept: string; dropped: string }[];
  /** Embedded models (GGUF run in-process, no server) that answered. */
  embedded?: string[];
}

/**
 * parse-prd end to end: plan with the model (or, if none is reachable and allowed, the structural
 * planner), map to task-master's format, write one tag atomically unless dry-run, and record the
 * run summary and plan tree. On any failure nothing is written to tasks.json. The run's database
 * writes are grouped (PrdRepo.grouped), whoever calls it.
 */
export function parsePrd(input: ParsePrdInput, deps: ParsePrdDeps): Promise<ParsePrdOutput> {
  return deps.repo.grouped(() => runPlan(input, deps));
}

async function runPlan(input: ParsePrdInput, deps: ParsePrdDeps): Promise<ParsePrdOutput> {
  const clock = deps.clock ?? (() => performance.now());
  const t0 = clock();
  // Fail before spending model time on a result that could not be saved.
  if (!input.dryRun) checkWritable(input.tasksPath, input.tag, input.mode);
  const runId = input.runId ?? randomUUID();
  const stats = new RunStats(runId);
  const prdHash = hash(input.prd);
  const summary: RunSummary = {
    runId,
    runKey: '',
    startedAt: (deps.now?.() ?? new Date()).toISOString(),
    prdPath: input.prdPath,
    prdHash,
    prdBytes: Buffer.byteLength(input.prd),
    sections: splitSections(input.prd).length,
    chunks: 0,
    options: { ...input.options, mode: input.mode, dryRun: input.dryRun },
    tag: input.tag,
    models: [],
    promptIds: [],
    llmCalls: 0,
    promptTokens: 0,
    cachedPromptTokens: 0,
    completionTokens: 0,
    cacheHits: 0,
    resumedNodes: 0,
    reasks: 0,
    fallbacks: 0,
    failures: 0,
    depFixes: 0,
    mergedDuplicates: 0,
    tasks: 0,
    subtasks: 0,
    depth: 0,
    durationMs: 0,
    success: false,
    structural: false,
    dryRun: input.dryRun,
  };
  deps.repo.startRun({ ...summary, runKey: prdHash });
  const fill = (nodes: PlanNode[]) => {
    const counts = countByDepth(nodes);
    Object.assign(summary, {
      models: [...stats.models],
      promptIds: [...stats.promptIds],
      llmCalls: stats.calls,
      promptTokens: stats.promptTokens,
      cachedPromptTokens: stats.cachedPromptTokens,
      completionTokens: stats.completionTokens,
      cacheHits: stats.cacheHits,
      resumedNodes: stats.resumedNodes,
      reasks: stats.reasks,
      fallbacks: stats.fallbacks,
      failures: stats.failures,
      discarded: stats.discarded,
      tasks: counts[0] ?? 0,
      subtasks: counts[1] ?? 0,
      depth: depthOf(nodes),
      durationMs: clock() - t0,
      finishedAt: (deps.now?.() ?? new Date()).toISOString(),
    });
  };

  try {
    let nodes: PlanNode[];
    let structural: ParsePrdOutput['structural'];
    let fixes: DepFix[] = [];
    let parts: PartRow[] = [];
    let merged: ParsePrdOutput['merged'] = [];
    try {
      const proc = new RecursivePRDProcessor({
        api: deps.api,
        repo: deps.repo,
        clock,
        onProgress: deps.onProgress,
        runNode: deps.runNode,
      });
      const r = await proc.run(input.prd, input.options, stats, deps.signal);
      ({ nodes, fixes, merged } = r);
      parts = r.chunks.map((c) => ({ index: c.index, headings: c.headings, text: c.text, tokens: c.tokens }));
      Object.assign(summary, {
        runKey: r.runKey,
        chunks: r.chunks.length,
        depFixes: fixes.length,
        mergedDuplicates: merged.length,
      });
    } catch (e) {
      if (!(e instanceof NoModelError)) throw e;
      const wouldUse = (e.details?.wouldUse as string | undefined) ?? input.configuredModel;
      // The mode refused the configured model: that refusal is the error (exit 3), not a missing server.
      if (input.options.requireModel && e.code === 'PRIVACY_REFUSED') throw e;
      if (input.options.requireModel) {
        throw new AppError(
          'NO_MODEL_AVAILABLE',
          `no model reachable for parse-prd${wouldUse ? ` (would have used ${wouldUse})` : ''}: ${e.message}`,
          {
            hint:
              e.hint ??
              'start your local model server (e.g. `ollama serve`), or drop --require-model to use the structural planner',
            cause: e,
          },
        );
      }
      structural = { reason: e.message, hint: e.hint, wouldUse };
      deps.onProgress?.({ type: 'structural', reason: e.message });
      nodes = structuralPlan(input.prd, input.options);
      Object.assign(summary, { structural: true, runKey: prdHash, chunks: 0 });
    }
    let tasks: TmTask[];
    const label = structural ? STRUCTURAL_LABEL : undefined;
    if (input.dryRun) tasks = toTaskMaster(nodes, { firstId: 1, label });
    else {
      tasks = [];
      writeTag(input.tasksPath, {
        tag: input.tag,
        mode: input.mode,
        now: deps.now,
        build: (firstId) => (tasks = toTaskMaster(nodes, { firstId, label })) as unknown as Record<string, unknown>[],
      });
    }
    fill(nodes);
    summary.success = true;
    deps.repo.finishRun(summary, nodeRows(nodes, tasks), parts);
    return {
      runId,
      tag: input.tag,
      tasksPath: input.tasksPath,
      written: !input.dryRun,
      tasks,
      summary,
      structural,
      fixes,
      merged,
      ...(stats.embedded.size ? { embedded: [...stats.embedded] } : {}),
    };
  } catch (e) {
    fill([]);
    summary.success = false;
    summary.errorCode = e instanceof AppError ? e.code : 'INTERNAL';
    summary.errorMessage = (e as Error)?.message ?? String(e);
    try {
      deps.repo.finishRun(summary);
    } catch {
      // The original error matters more than a failed bookkeeping write.
    }
    throw e;
  }
}

/** Flattens the plan into rows with the task-master id each node became (deeper nodes: none). */
function nodeRows(nodes: PlanNode[], tasks: TmTask[]): NodeRow[] {
  const rows: NodeRow[] = [];
  const walk = (ns: PlanNode[], parent: PlanNode | undefined, ids: (string | undefined)[]) =>
    ns.forEach((n, i) => {
      rows.push({
        path: n.path,
        parentPath: parent?.path,
        depth: n.depth,
        tmId: ids[i],
        title: n.title,
        description: n.description,
        details: n.details,
        testStrategy: n.testStrategy,
        priority: n.priority,
        complexity: n.complexity,
        deps: n.deps,
        source: n.source,
        model: n.model,
        promptId: n.promptId,
      });
      const childIds = n.depth === 1 && ids[i] ? n.children.map((_c, j) => `${ids[i]}.${j + 1}`) : [];
      walk(n.children, n, childIds);
    });
  walk(
    nodes,
    undefined,
    tasks.map((t) => String(t.id)),
  );
  return rows;
}
