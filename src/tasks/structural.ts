/**
 * expand without a model: the structural planner's decomposition of a task's own text. The list
 * items of its details (or description) become subtasks, nested items steps inside them; a text
 * without a list is split into its sentences. A task whose text holds neither gets no subtasks (the
 * run says so), never invented ones. Every subtask is labelled as the planner's work when written.
 */
import type { PlanNode } from '../prd/plan.js';
import { clip, itemNode, parseList } from '../prd/structural.js';
import type { TaskRecord } from './store.js';

/** Label appended to the details of every subtask the structural planner writes. */
export const STRUCTURAL_SUBTASK_LABEL =
  "[structural planner] Split from the task's own details without a language model; review before relying on it.";

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** Sentences of a text without list structure (at least 2 to count as a split). */
function sentences(s: string): string[] {
  return s
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[A-Z0-9`"'(])/)
    .map((x) => x.trim())
    .filter((x) => x.length >= 12);
}

/** The subtasks (depth 2) the structural planner derives for one task; `maxDepth` levels below the task. */
export function structuralSubtasks(t: { id: number; task: TaskRecord; count: number }, maxDepth: number): PlanNode[] {
  const base = `t${t.id}`;
  const body = text(t.task.details).trim() || text(t.task.description).trim();
  const items = parseList(body);
  let nodes: PlanNode[];
  if (items.length >= 2) nodes = items.map((it, k) => itemNode(it, `${base}/${k + 1}`, 2, 1 + maxDepth));
  else {
    const parts = items.length === 1 ? parseList(body)[0]!.children : [];
    const list = parts.length >= 2 ? parts.map((p) => p.text) : sentences(body);
    if (list.length < 2) return [];
    nodes = list.map((s, k) => itemNode({ text: clip(s, 400), children: [] }, `${base}/${k + 1}`, 2, 1 + maxDepth));
  }
  // No dependencies: the text's order is not evidence that one step needs another.
  return t.count > 0 ? nodes.slice(0, t.count) : nodes;
}
