/**
 * Examples from parse-prd history: PRD part → the top-level tasks as the team kept them, and task →
 * its subtasks as kept. The prompt is rendered now with the project's current prompts, from the
 * stored PRD part, so a model tuned on it sees at inference exactly what it was trained on; the
 * answer is read from tasks.json, so hand edits win over the model's first answer and deleted tasks
 * are absent.
 */
import type { ChatMessage } from '../models/types.js';
import type { PlanNode } from '../prd/plan.js';
import { tasksForChunk } from '../prd/prompts.js';
import { DEFAULT_PROMPT_VERSION, chunkRequest, expandRequest } from '../prd/prompt-set.js';
import { mapPriority } from '../prd/schema.js';
import type { Chunk } from '../prd/split.js';
import type { NodeLink, PartRow, RunSummary } from '../storage/prd-repo.js';
import type { Example } from './types.js';

type Task = Record<string, unknown>;

/** One stored run with what export needs from it. */
export interface PrdRunData {
  summary: RunSummary;
  nodes: NodeLink[];
  parts: PartRow[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const complexityOf = (v: unknown, fallback: number) => {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 10 ? n : fallback;
};

function planNode(path: string, depth: number, t: Task, complexity: number): PlanNode {
  return {
    path,
    depth,
    title: str(t.title),
    description: str(t.description),
    details: str(t.details),
    testStrategy: str(t.testStrategy),
    priority: mapPriority(str(t.priority)),
    complexity,
    deps: [],
    children: [],
    source: 'model',
  };
}

/** Dependencies by task-master id → 1-based positions within the same answer (unknown ids dropped). */
function positions(deps: unknown, ids: Map<string, number>): number[] {
  if (!Array.isArray(deps)) return [];
  return deps.map((d) => ids.get(String(d))).filter((p): p is number => p !== undefined);
}

const answer = (m: ChatMessage[], value: unknown): ChatMessage[] => [
  ...m,
  { role: 'assistant', content: JSON.stringify(value) },
];

/**
 * Builds the examples of every run, newest run first. A task id belongs to the newest run that wrote
 * it (a rerun with --force reuses ids): older runs' nodes pointing at it are ignored.
 */
export function prdExamples(runs: PrdRunData[], tagTasks: (tag: string) => Task[]): Example[] {
  const out: Example[] = [];
  const byTag = new Map<string, Map<string, Task>>();
  const claimed = new Set<string>();
  for (const run of runs) {
    const { summary } = run;
    if (!run.parts.length) continue;
    let byId = byTag.get(summary.tag);
    if (!byId) {
      byId = new Map(tagTasks(summary.tag).map((t) => [str(t.id), t]));
      byTag.set(summary.tag, byId);
    }
    const children = new Map<string, NodeLink[]>();
    const top: NodeLink[] = [];
    for (const n of run.nodes) {
      if (n.depth === 1) top.push(n);
      else if (n.depth === 2 && n.parentPath) {
        const list = children.get(n.parentPath);
        if (list) list.push(n);
        else children.set(n.parentPath, [n]);
      }
    }
    const numTasks = Number(summary.options.numTasks ?? 0) || 0;
    const totalTokens = run.parts.reduce((s, p) => s + p.tokens, 0);
    const chunks: Chunk[] = run.parts.map((p) => ({ ...p }));
    const perChunk = new Map<number, { node: NodeLink; task: Task }[]>();
    for (const n of top) {
      if (!n.tmId) continue;
      const key = `${summary.tag}\u0000${n.tmId}`;
      const task = byId.get(n.tmId);
      if (claimed.has(key)) continue;
      claimed.add(key);
      if (!task) continue; // deleted by the team
      const ci = Number(/^c(\d+)\//.exec(n.path)?.[1] ?? -1);
      const list = perChunk.get(ci);
      if (list) list.push({ node: n, task });
      else perChunk.set(ci, [{ node: n, task }]);
    }
    for (const [ci, kept] of perChunk) {
      const chunk = chunks.find((c) => c.index === ci);
      if (!chunk) continue;
      out.push(...chunkExamples(chunk, chunks.length, tasksForChunk(numTasks, chunk, totalTokens), kept, children));
    }
  }
  return out;
}

function chunkExamples(
  chunk: Chunk,
  chunkCount: number,
  want: number | undefined,
  kept: { node: NodeLink; task: Task }[],
  children: Map<string, NodeLink[]>,
): Example[] {
  const version = DEFAULT_PROMPT_VERSION;
  const ids = new Map(kept.map((k, i) => [str(k.task.id), i + 1]));
  const nodes = kept.map((k, i) =>
    planNode(`c${chunk.index}/t${i + 1}`, 1, k.task, complexityOf(k.task.complexity, k.node.complexity)),
  );
  const tasks = kept.map((k, i) => ({
    title: nodes[i]!.title,
    description: nodes[i]!.description,
    details: nodes[i]!.details,
    testStrategy: nodes[i]!.testStrategy,
    priority: nodes[i]!.priority,
    complexity: nodes[i]!.complexity,
    dependencies: positions(k.task.dependencies, ids),
  }));
  const done = kept.filter((k) => k.task.status === 'done').length;
  const chunkPrompt = chunkRequest(version, chunk, chunkCount, want);
  const out: Example[] = [
    {
      source: 'prd',
      messages: answer(chunkPrompt.messages, { tasks }),
      weight: done * 2 >= kept.length ? 2 : 1,
      promptId: chunkPrompt.promptId,
      ...(chunkPrompt.source ? { rendered: chunkPrompt.source } : {}),
    },
  ];
  kept.forEach((k, i) => {
    const subs = Array.isArray(k.task.subtasks) ? (k.task.subtasks as Task[]) : [];
    if (subs.length < 2) return; // the answer schema asks for at least two
    const node = nodes[i]!;
    const prompt = expandRequest(version, node, [nodes.slice(0, i + 1)], chunk, 0);
    const written = children.get(k.node.path) ?? [];
    const subIds = new Map(subs.map((s, j) => [str(s.id), j + 1]));
    const subtasks = subs.map((s, j) => ({
      title: str(s.title),
      description: str(s.description),
      details: str(s.details),
      testStrategy: str(s.testStrategy),
      complexity: complexityOf(s.complexity, written[j]?.complexity ?? node.complexity),
      dependencies: positions(s.dependencies, subIds),
    }));
    out.push({
      source: 'expand',
      messages: answer(prompt.messages, { subtasks }),
      weight: k.task.status === 'done' ? 2 : 1,
      promptId: prompt.promptId,
      ...(prompt.source ? { rendered: prompt.source } : {}),
    });
  });
  return out;
}
