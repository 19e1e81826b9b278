/**
 * The requests of expand and analyze-complexity. Each is the shared leading block (planning system
 * text, the project's task list: context.ts), then what differs: the task (with the titles of the
 * levels above it) or the batch of tasks, the guidance, the instruction. Pure functions of their
 * inputs: the same tasks and options give the same messages (cache hits, resumed runs).
 */
import { fenceData, loadPrompt } from '../prompting/index.js';
import type { PlanNode } from '../prd/plan.js';
import type { BuiltPrompt } from '../prd/prompts.js';
import { oneLine, taskMessages } from './context.js';
import { subtasksOf, type TaskRecord } from './store.js';

/** Extra text a request carries (user prompt, the report's expansion advice, research context). */
export interface Guidance {
  title: string;
  label: string;
  text: string;
}

/** `t3/2/1` → `3.2.1`. */
export const nodeNumber = (path: string): string => path.replace(/^t/, '').replaceAll('/', '.');

function guidanceText(guidance: readonly Guidance[]): string {
  return guidance
    .filter((g) => g.text.trim())
    .map((g) => {
      const f = fenceData(g.label, g.text.trim());
      return `${g.title}:\n${f.open}\n${f.body}\n${f.close}\n\n`;
    })
    .join('');
}

/** How many subtasks to ask for, in words, and the answer's bounds; 0 = the model decides. */
export function subtaskBounds(count: number): { rule: string; min: number; max: number } {
  if (count <= 0) return { rule: 'as many subtasks as it needs (usually 3 to 6)', min: 2, max: 12 };
  return { rule: `${count} subtask${count === 1 ? '' : 's'}`, min: Math.min(2, count), max: count + 2 };
}

/**
 * The decomposition request of a node: the levels above it (titles; each level lists its items up
 * to the one on the node's path, so siblings share everything up to their own title), then the node
 * with its description, details and test strategy.
 */
export function subtaskPrompt(
  context: string,
  levels: PlanNode[][],
  node: PlanNode,
  o: { count: number; guidance?: readonly Guidance[]; existing?: readonly string[] },
): BuiltPrompt {
  const lines: string[] = [];
  levels.forEach((items, depth) => {
    const pad = '   '.repeat(depth);
    for (const it of items) lines.push(`${pad}${nodeNumber(it.path)}${depth === 0 ? '.' : ''} ${oneLine(it.title)}`);
  });
  const pad = '   '.repeat(levels.length);
  lines.push(`${pad}Description: ${oneLine(node.description)}`);
  if (node.details.trim()) lines.push(`${pad}Details: ${oneLine(node.details)}`);
  if (node.testStrategy.trim()) lines.push(`${pad}Test strategy: ${oneLine(node.testStrategy)}`);
  // Subtasks kept when appending: the new ones must add to them, not repeat them.
  if (o.existing?.length) lines.push(`${pad}Subtasks it already has: ${o.existing.map(oneLine).join('; ')}`);
  const task = fenceData('task', lines.join('\n'));
  const p = loadPrompt(
    'expand-subtasks',
    {
      open: task.open,
      close: task.close,
      task: task.body,
      item: `${node.depth === 1 ? 'task' : node.depth === 2 ? 'subtask' : 'step'} ${nodeNumber(node.path)}`,
      countRule: subtaskBounds(o.count).rule,
      guidance: guidanceText(o.guidance ?? []),
    },
    { version: 1 },
  );
  return { promptId: p.id, messages: taskMessages(context, p.text.trim()) };
}

/** One task as the analysis sees it: its fields, dependencies and existing subtasks' titles. */
export function taskSummary(t: TaskRecord): string {
  const lines = [`Task ${oneLine(t.id)}: ${oneLine(t.title)}`];
  const field = (name: string, v: unknown) => {
    if (typeof v === 'string' && v.trim()) lines.push(`   ${name}: ${oneLine(v)}`);
  };
  field('Description', t.description);
  field('Details', t.details);
  field('Test strategy', t.testStrategy);
  const deps = Array.isArray(t.dependencies) ? t.dependencies.map(String) : [];
  if (deps.length) lines.push(`   Dependencies: ${deps.join(', ')}`);
  const subs = subtasksOf(t);
  if (subs.length) lines.push(`   Subtasks already: ${subs.map((s) => oneLine(s.title)).join('; ')}`);
  return lines.join('\n');
}

/** The most subtasks an analysis may recommend. */
export const MAX_RECOMMENDED = 12;

/** The analysis request of one batch of tasks. */
export function analysisPrompt(
  context: string,
  batch: readonly TaskRecord[],
  guidance: readonly Guidance[] = [],
): BuiltPrompt {
  const block = fenceData('tasks', batch.map(taskSummary).join('\n'));
  const p = loadPrompt(
    'analyze-complexity',
    {
      open: block.open,
      close: block.close,
      tasks: block.body,
      count: batch.length,
      maxSubtasks: MAX_RECOMMENDED,
      guidance: guidanceText(guidance),
    },
    { version: 1 },
  );
  return { promptId: p.id, messages: taskMessages(context, p.text.trim()) };
}
