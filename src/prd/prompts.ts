import { fenceData, loadPrompt, toMessages } from '../prompting/index.js';
import type { ChatMessage } from '../models/types.js';
import type { Chunk } from './split.js';
import type { PlanNode } from './plan.js';

/** A ready request: messages plus the prompt id@version recorded with it. */
export interface BuiltPrompt {
  promptId: string;
  messages: ChatMessage[];
}

/** How many tasks to ask of one chunk: the requested total shared by chunk size, at least 1. */
export function tasksForChunk(numTasks: number, chunk: Chunk, totalTokens: number): number | undefined {
  if (numTasks <= 0) return undefined;
  return Math.max(1, Math.round((numTasks * chunk.tokens) / Math.max(1, totalTokens)));
}

/**
 * The top-level request for one PRD chunk. A pure function of its inputs (no dates, no run ids):
 * the same PRD and options always produce the same messages, so the cache hits and a resumed
 * run asks the same questions.
 */
export function chunkPrompt(chunk: Chunk, chunkCount: number, want: number | undefined): BuiltPrompt {
  const f = fenceData('prd', chunk.text);
  const countRule = want
    ? `about ${want} top-level tasks (never more than ${maxTasks(want)}).`
    : 'as many top-level tasks as the PRD part needs (usually 3 to 12), no more.';
  const scope =
    chunkCount === 1
      ? 'Here is the whole PRD.'
      : `Here is part ${chunk.index + 1} of ${chunkCount} of a PRD, covering: ${chunk.headings.join('; ') || 'untitled text'}. ` +
        'Other parts are planned separately; plan only the requirements in this part.';
  const p = loadPrompt('parse-prd', { open: f.open, close: f.close, prd: f.body, countRule, scope });
  return { promptId: p.id, messages: toMessages(p) };
}

/** Upper bound on tasks accepted from one chunk answer when a count was requested. */
export function maxTasks(want: number): number {
  return Math.max(want * 2, want + 3);
}

/** Subtasks to ask for: more for more complex tasks, 2..6. */
export function subtaskCount(complexity: number): number {
  return Math.min(6, Math.max(2, Math.ceil(complexity / 2) + 1));
}

/** The decomposition request for one node, with its ancestors and the PRD text it came from. */
export function expandPrompt(node: PlanNode, ancestors: PlanNode[], prdExcerpt: string): BuiltPrompt {
  const lines = [
    ...ancestors.map((a, i) => `${'  '.repeat(i)}Parent (level ${a.depth}): ${a.title} — ${a.description}`),
    `Task: ${node.title}`,
    `Description: ${node.description}`,
    `Details: ${node.details}`,
    node.testStrategy ? `Test strategy: ${node.testStrategy}` : '',
    '',
    'PRD excerpt this task comes from:',
    prdExcerpt,
  ].filter((l, i, a) => l !== '' || a[i - 1] !== '');
  const f = fenceData('task', lines.join('\n'));
  const p = loadPrompt('expand-task', {
    open: f.open,
    close: f.close,
    context: f.body,
    count: subtaskCount(node.complexity),
    level: node.depth,
  });
  return { promptId: p.id, messages: toMessages(p) };
}
