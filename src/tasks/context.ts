/**
 * The leading block every model call of the task commands shares (issue 17): the planning system
 * text, then the project's task list fenced as data. expand, analyze-complexity, update… on the same
 * tasks.json send it identical to the byte, so a local server that keeps its KV cache reads it once;
 * what differs (the task, the batch, the instruction) comes after it.
 */
import type { ChatMessage } from '../models/types.js';
import { planningMessages } from '../prd/prompts.js';
import { estimateTokens } from '../prd/split.js';
import type { TaskRecord } from './store.js';

/** Model-written or hand-written text on one line, so a list layout cannot be broken by it. */
export const oneLine = (s: unknown): string =>
  String(s ?? '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();

/**
 * The project context: one line per top-level task (`id. title [status]`), in file order. Only
 * titles and statuses: expanding a task (which adds subtasks) leaves it unchanged, so calls before and
 * after share it. Clipped deterministically to `budgetTokens` (a very large project keeps its first
 * tasks and says how many more there are).
 */
export function projectContext(tasks: readonly TaskRecord[], tag: string, budgetTokens = 2048): string {
  const head = `Tasks of this project (tag ${tag}), in order: id. title [status]`;
  const lines = [head];
  let used = estimateTokens(head);
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    const line = `${oneLine(t.id)}. ${oneLine(t.title)} [${oneLine(t.status) || 'pending'}]`;
    const cost = estimateTokens(line) + 1;
    if (used + cost > budgetTokens && i > 0) {
      lines.push(`… and ${tasks.length - i} more tasks`);
      break;
    }
    lines.push(line);
    used += cost;
  }
  return lines.join('\n');
}

/** Tokens the project context may take for a model with this context window. */
export function contextBudget(contextLength: number): number {
  return Math.max(256, Math.floor(contextLength / 4));
}

/** A task command's messages: the shared leading block, then `rest` (the request of this call). */
export function taskMessages(context: string, rest: string): ChatMessage[] {
  return planningMessages({ label: 'project', text: context }, rest);
}
