/**
 * analyze-complexity's engine: scores tasks in batches sized to the model's context (a 200-task
 * project fits), batches asked in parallel behind one concurrency gate, each answer validated (one
 * entry per task of the batch, in order) with a re-ask, checkpointed and cached like parse-prd's
 * nodes. Ids are the code's: an entry belongs to the task at its position unless the model's ids name
 * exactly the batch's tasks. With no model reachable each task gets a heuristic score (labelled).
 */
import { z } from 'zod';
import { settleAll } from '../prd/decompose.js';
import { Keep } from '../prd/keep.js';
import { hash } from '../prd/keys.js';
import { estimateTokens } from '../prd/split.js';
import { oneLine } from './context.js';
import { heuristicEntry } from './heuristic.js';
import { analysisPrompt, MAX_RECOMMENDED, taskSummary, type Guidance } from './prompts.js';
import type { ComplexityEntry } from './report.js';
import { taskRun, type TaskRunDeps, type TaskRunOptions, type WithoutModel } from './run.js';
import type { TaskRecord } from './store.js';

export interface AnalyzeRunOptions extends TaskRunOptions {
  /** Most tasks per request (the context budget may make batches smaller). */
  batchSize: number;
  guidance?: Guidance[];
}

export type AnalyzeDeps = TaskRunDeps;

export interface AnalyzeOutcome {
  entries: ComplexityEntry[];
  batches: number;
  /** Set when no model was reachable and every score is the heuristic's. */
  heuristic?: WithoutModel;
  model?: string;
}

const EntrySchema = z.object({
  taskId: z.number().int(),
  complexityScore: z.number().min(1).max(10),
  recommendedSubtasks: z.number().int().min(0).max(MAX_RECOMMENDED),
  expansionPrompt: z.string().trim(),
  reasoning: z.string().trim(),
});
const schemas = new Map<number, z.ZodType<{ complexityAnalysis: z.infer<typeof EntrySchema>[] }>>();
/** The answer of a batch of n tasks: exactly n entries. */
export function analysisSchema(n: number) {
  let s = schemas.get(n);
  if (!s) schemas.set(n, (s = z.object({ complexityAnalysis: z.array(EntrySchema).length(n) })));
  return s;
}

/**
 * Splits tasks into batches: at most `size` tasks, and the tasks' text plus the answers within what the
 * model's context has left after the shared block (half for the request, the rest for the answer).
 */
export function batchTasks(tasks: readonly TaskRecord[], size: number, tokensLeft: number): TaskRecord[][] {
  const out: TaskRecord[][] = [];
  let cur: TaskRecord[] = [];
  let used = 0;
  for (const t of tasks) {
    const cost = estimateTokens(taskSummary(t)) + 150; // its entry in the answer
    if (cur.length && (cur.length >= size || used + cost > tokensLeft)) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(t);
    used += cost;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Scores the tasks; entries come back in the tasks' order. */
export function analyzeTasks(
  tag: { tag: string; path: string; tasks: readonly TaskRecord[] },
  targets: readonly TaskRecord[],
  o: AnalyzeRunOptions,
  deps: TaskRunDeps,
): Promise<AnalyzeOutcome> {
  return taskRun(tag, o, deps, {
    job: 'analyze-complexity',
    complexity: 5,
    units: 'batches',
    plan: (contextLength, context) => {
      const left = Math.max(512, Math.floor(contextLength / 2) - estimateTokens(context) - 600);
      const batches = batchTasks(targets, Math.max(1, o.batchSize), left);
      const key = hash('task-analyze/1', tag.path, tag.tag, o.model ?? '', String(contextLength), String(o.batchSize));
      return { key, chunks: batches.length, batches };
    },
    work: async ({ ref, context, caller, signal }, { batches }): Promise<AnalyzeOutcome> => {
      const answers = await settleAll(
        batches.map(async (batch, b) => {
          const ids = batch.map((t) => Number(t.id));
          const r = await caller.ask({
            path: `b${b + 1}`,
            kind: 'chunk',
            prompt: analysisPrompt(context, batch, o.guidance),
            schema: analysisSchema(batch.length),
            complexity: 5,
            title: `tasks ${ids[0]}${ids.length > 1 ? `-${ids.at(-1)}` : ''}`,
            depth: 1,
            keep: Keep.yes(),
            signal,
          });
          const got = r.value.complexityAnalysis;
          // The model's ids count only when they name exactly this batch's tasks; else positions decide.
          const byId =
            new Set(got.map((e) => e.taskId)).size === ids.length && got.every((e) => ids.includes(e.taskId));
          return batch.map((t, i) => {
            const e = byId ? got.find((x) => x.taskId === Number(t.id))! : got[i]!;
            return {
              taskId: Number(t.id),
              taskTitle: oneLine(t.title),
              complexityScore: Math.round(e.complexityScore),
              recommendedSubtasks: e.recommendedSubtasks,
              expansionPrompt: e.expansionPrompt,
              reasoning: e.reasoning,
            } satisfies ComplexityEntry;
          });
        }),
      );
      return { entries: answers.flat(), batches: batches.length, ...(ref ? { model: ref.alias } : {}) };
    },
    withoutModel: (heuristic) => ({ entries: targets.map(heuristicEntry), batches: 0, heuristic }),
  });
}
