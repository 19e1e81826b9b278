import type { AddTaskResult } from '../../src/application/task-add.js';
import type { AppendResult } from '../../src/application/task-append.js';
import type { RewriteResult } from '../../src/application/task-rewrite.js';

const n = (v: number) => v.toLocaleString('en-US');
const cost = (r: { calls: number; promptTokens: number; completionTokens: number; durationMs: number }) =>
  `${r.calls} LLM call(s) · ${n(r.promptTokens + r.completionTokens)} tokens · ${n(r.durationMs)} ms`;

/** update-task, update, scope-up/down: one line per task, then the summary. */
export function rewriteLines(r: RewriteResult): string[] {
  if (!r.tasks.length) return [`${r.job}: nothing to update: every task from there on is finished [${r.tag}]`];
  const lines = r.tasks.map((t) => {
    if (t.skipped) return `  ${t.id}. ${t.title}: left as it was (finished meanwhile)`;
    const what = t.changed.length ? `changed ${t.changed.join(', ')}` : 'unchanged (the model kept every field)';
    const ignored = t.ignoredSubtasks.length
      ? `; ignored subtask id(s) ${t.ignoredSubtasks.join(', ')} of the answer`
      : '';
    return `  ${t.id}. ${t.title}: ${what}${ignored}`;
  });
  const changed = r.tasks.filter((t) => t.changed.length).length;
  return [
    `${r.job}: ${changed}/${r.tasks.length} task(s) rewritten · ${cost(r)} · models: ${r.models.join(', ') || 'none'} → ${r.path} [${r.tag}]`,
    ...lines,
  ];
}

/** update-subtask, update-task --append: where the note went, then the note. */
export function appendLines(r: AppendResult): string[] {
  const what = r.id.includes('.') ? 'subtask' : 'task';
  return [
    `${r.job}: appended to the details of ${what} ${r.id} (${r.title}) at ${r.appendedAt} · ${cost(r)} · model: ${r.model} → ${r.path} [${r.tag}]`,
    ...r.info.split('\n').map((l) => `  ${l}`),
  ];
}

/** add-task: the new task in one line. */
export function addLines(r: AddTaskResult): string[] {
  const deps = (r.task.dependencies as unknown[]).length
    ? `depends on ${(r.task.dependencies as unknown[]).join(', ')}`
    : 'no dependencies';
  const lines = [
    `add-task: task ${r.id} "${String(r.task.title)}" added (${String(r.task.priority)} priority, ${deps})${
      r.ai ? ` · ${cost(r)} · model: ${r.model}` : ' by hand, no model'
    } → ${r.path} [${r.tag}]`,
  ];
  if (r.droppedDependencies.length)
    lines.push(
      `note: dropped dependencies the model named that are not tasks here: ${r.droppedDependencies.join(', ')}`,
    );
  return lines;
}
