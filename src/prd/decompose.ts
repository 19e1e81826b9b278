import { isAbortError } from '../errors.js';
import type { Keep } from './keep.js';
import type { NodeCaller } from './node-call.js';
import { listCall } from './pipeline.js';
import { breakCycles, normalizeDeps, type DepFix, type PlanNode } from './plan.js';
import { expandRequest, type PromptVersion } from './prompt-set.js';
import { subtaskCount, type BuiltPrompt } from './prompts.js';
import {
  GeneratedSubtaskSchema,
  mapPriority,
  subtasksAnswerSchema,
  type GeneratedSubtask,
  type GeneratedTask,
} from './schema.js';
import type { Chunk } from './split.js';
import type { RunStats } from './stats.js';

/** A decomposed node's children (with their own subtrees) and the dependency fixes made in that subtree. */
export interface Expanded {
  children: PlanNode[];
  fixes: DepFix[];
}

export interface DecomposeOptions {
  pipelined?: boolean;
  maxDepth: number;
  complexityThreshold: number;
  version: PromptVersion;
  contextLength: number;
  stats: RunStats;
  /**
   * Builds a node's decomposition request instead of the PRD prompts (the task commands ask on the
   * project's task list, not a PRD part); `levels` as in request().
   */
  prompt?: (node: PlanNode, levels: PlanNode[][]) => BuiltPrompt;
}

/** Decomposes nodes level by level, each level pipelined on its parent's streamed answer. */
export class Decomposer {
  constructor(
    private readonly caller: NodeCaller,
    private readonly o: DecomposeOptions,
  ) {}

  /** The decomposition request for a node, or undefined when the node is not decomposed (depth, complexity). */
  request(node: PlanNode, levels: PlanNode[][], chunk: Chunk): BuiltPrompt | undefined {
    if (node.depth >= this.o.maxDepth || node.complexity < this.o.complexityThreshold) return undefined;
    if (this.o.prompt) return this.o.prompt(node, levels);
    return expandRequest(this.o.version, node, levels, chunk, this.o.contextLength);
  }

  /**
   * Asks for a node's subtasks and decomposes each further as soon as it is complete in the stream.
   * `levels` lists, per level from the top, the items up to and including the one on the node's path.
   * `count` bounds the answer (default: from the node's complexity): at most max, at least min.
   */
  async expand(
    node: PlanNode,
    levels: PlanNode[][],
    chunk: Chunk,
    prompt: BuiltPrompt,
    keep: Keep,
    signal: AbortSignal,
    count: { max: number; min?: number } = { max: subtaskCount(node.complexity) + 2 },
  ): Promise<Expanded> {
    const { max } = count;
    const r = await listCall(
      this.caller,
      {
        spec: {
          path: node.path,
          kind: 'expand',
          prompt,
          schema: subtasksAnswerSchema(max, count.min),
          complexity: node.complexity,
          title: node.title,
          depth: node.depth,
          parent: levels.at(-2)?.at(-1)?.path ?? node.path.split('/')[0],
          keep,
          signal,
        },
        key: 'subtasks',
        // Children on the last level are never decomposed: nothing to start from this answer's stream.
        pipelined: node.depth + 1 >= this.o.maxDepth ? false : this.o.pipelined,
        element: GeneratedSubtaskSchema,
        max,
        items: (a) => a.subtasks,
        toNode: (i, s, model) =>
          toNode(
            { ...s, priority: node.priority },
            `${node.path}/${i + 1}`,
            node.depth + 1,
            [],
            model,
            prompt.promptId,
          ),
        follow: (i, kids) => this.request(kids[i]!, [...levels, kids.slice(0, i + 1)], chunk),
        run: (i, kids, p, k, sig) => this.expand(kids[i]!, [...levels, kids.slice(0, i + 1)], chunk, p, k, sig),
      },
      signal,
    );
    this.o.stats.discarded += r.discarded;
    const paths = r.nodes.map((k) => k.path);
    const n = normalizeDeps(
      r.value.subtasks.map((s) => s.dependencies),
      paths,
    );
    const c = breakCycles(n.deps, paths);
    const subs = await settleAll(r.follow.map((f) => f ?? Promise.resolve(undefined)));
    return {
      children: r.nodes.map((k, i) => ({ ...k, deps: c.deps[i]!, children: subs[i]?.children ?? [] })),
      fixes: [...n.fixes, ...c.fixes, ...subs.flatMap((x) => x?.fixes ?? [])],
    };
  }
}

/** A generated task or subtask as a plan node (fields trimmed, priority mapped). */
export function toNode(
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

/** Like Promise.all, but waits for every sibling to settle before rejecting, so no call outlives the run. */
export async function settleAll<T>(ps: Promise<T>[]): Promise<T[]> {
  const r = await Promise.allSettled(ps);
  const bad = r.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (bad) {
    // Prefer the root cause over the aborts it caused in siblings.
    const root = r.find((x): x is PromiseRejectedResult => x.status === 'rejected' && !isAbortError(x.reason));
    throw (root ?? bad).reason;
  }
  return r.map((x) => (x as PromiseFulfilledResult<T>).value);
}
