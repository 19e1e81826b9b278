/**
 * expand's engine: breaks tasks into subtasks on parse-prd's core. Each task is one node call
 * (checkpointed, cached, validated with a re-ask, streamed); all tasks of `expand --all` run at once
 * behind one concurrency gate, and with --max-depth > 1 each subtask is decomposed further as soon
 * as it is complete in the streamed answer (the Decomposer's pipelining). Nothing is written here:
 * the use case writes every task's subtasks once. With no model reachable the structural planner
 * splits each task's own details.
 */
import { Decomposer, settleAll } from '../prd/decompose.js';
import { Keep } from '../prd/keep.js';
import { hash } from '../prd/keys.js';
import type { DepFix, PlanNode } from '../prd/plan.js';
import { DEFAULT_PROMPT_VERSION } from '../prd/prompt-set.js';
import { subtaskCount } from '../prd/prompts.js';
import { mapPriority } from '../prd/schema.js';
import { estimateTokens } from '../prd/split.js';
import { subtaskBounds, subtaskPrompt, type Guidance } from './prompts.js';
import { taskRun, type TaskRunDeps, type TaskRunOptions, type WithoutModel } from './run.js';
import type { TaskRecord } from './store.js';
import { structuralSubtasks } from './structural.js';

/** One task to expand and how. */
export interface ExpandTarget {
  id: number;
  task: TaskRecord;
  /** Subtasks to ask for; 0 = the model decides. */
  count: number;
  guidance: Guidance[];
  /** 1-10 (the complexity report's score, else 5): routing, and how deep levels are split. */
  complexity: number;
  /** Titles of the subtasks the task keeps (appending): the prompt lists them so they are not repeated. */
  existing?: string[];
}

export interface ExpandRunOptions extends TaskRunOptions {
  /** Levels below the task: 1 = subtasks only (task-master), 2+ = steps inside subtasks' details. */
  maxDepth: number;
  /** Below the subtasks, nodes at least this complex are decomposed further. */
  complexityThreshold: number;
  pipelined?: boolean;
}

export type ExpandDeps = TaskRunDeps;

/** A task's new subtasks (as plan nodes, deeper levels as their children). */
export interface ExpandedTask {
  id: number;
  children: PlanNode[];
}

export interface ExpandOutcome {
  results: ExpandedTask[];
  fixes: DepFix[];
  /** Set when no model was reachable and the structural planner split the tasks' details. */
  structural?: WithoutModel;
  model?: string;
  promptIds: string[];
}

/** A task as the root plan node of its expansion (path `t<id>`). */
export function taskNode(t: ExpandTarget): PlanNode {
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    path: `t${t.id}`,
    depth: 1,
    title: s(t.task.title),
    description: s(t.task.description),
    details: s(t.task.details),
    testStrategy: s(t.task.testStrategy),
    priority: mapPriority(s(t.task.priority)),
    complexity: t.complexity,
    deps: [],
    children: [],
    source: 'model',
  };
}

/** Expands the targets; throws NO_MODEL_AVAILABLE only with requireModel (else the structural planner answers). */
export function expandTasks(
  tag: { tag: string; path: string; tasks: readonly TaskRecord[] },
  targets: readonly ExpandTarget[],
  o: ExpandRunOptions,
  deps: TaskRunDeps,
): Promise<ExpandOutcome> {
  const { stats } = deps;
  return taskRun(tag, o, deps, {
    job: 'expand',
    complexity: 6,
    units: 'tasks',
    plan: (contextLength) => ({
      key: hash(
        'task-expand/1',
        tag.path,
        tag.tag,
        String(o.maxDepth),
        o.model ?? '',
        String(o.complexityThreshold),
        String(contextLength),
        o.research ? 'research' : '',
      ),
      chunks: targets.length,
    }),
    work: async ({ ref, contextLength, context, caller, signal }): Promise<ExpandOutcome> => {
      const decomposer = new Decomposer(caller, {
        pipelined: o.pipelined,
        maxDepth: 1 + o.maxDepth,
        complexityThreshold: o.complexityThreshold,
        version: DEFAULT_PROMPT_VERSION,
        contextLength,
        stats,
        prompt: (node, levels) => subtaskPrompt(context, levels, node, { count: subtaskCount(node.complexity) }),
      });
      const chunk = { index: 0, headings: [], text: context, tokens: estimateTokens(context) };
      const promptIds = new Set<string>();
      const expanded = await settleAll(
        targets.map(async (t) => {
          const root = taskNode(t);
          const prompt = subtaskPrompt(context, [[root]], root, {
            count: t.count,
            guidance: t.guidance,
            ...(t.existing?.length ? { existing: t.existing } : {}),
          });
          promptIds.add(prompt.promptId);
          const b = subtaskBounds(t.count);
          const r = await decomposer.expand(root, [[root]], chunk, prompt, Keep.yes(), signal, b);
          return { id: t.id, ...r };
        }),
      );
      return {
        results: expanded.map((x) => ({ id: x.id, children: x.children })),
        fixes: expanded.flatMap((x) => x.fixes),
        ...(ref ? { model: ref.alias } : {}),
        promptIds: [...promptIds, ...stats.promptIds],
      };
    },
    withoutModel: (structural) => ({
      results: targets.map((t) => ({ id: t.id, children: structuralSubtasks(t, o.maxDepth) })),
      fixes: [],
      structural,
      promptIds: [],
    }),
  });
}
