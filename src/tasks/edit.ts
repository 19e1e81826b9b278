/**
 * The model side of add-task, update-task, update-subtask and update (scope-up/down: scope.ts): what the
 * model is asked (prompts/add-task, update-task, append-info after the shared leading block of
 * src/tasks/context.ts), the shapes it must answer, and how an answer is applied. The model writes
 * text fields only: ids, statuses, dependencies and subtasks marked done are set by code or kept.
 */
import { z } from 'zod';
import type { BuiltPrompt } from '../prd/prompts.js';
import { fenceData, loadPrompt } from '../prompting/index.js';
import { oneLine, taskMessages } from './context.js';
import { sameId, subtasksOf, type TaskRecord } from './store.js';

/** Statuses of finished work: never rewritten, and skipped by `update --from`. */
export const FINISHED = new Set(['done', 'completed', 'cancelled']);
export const isFinished = (t: TaskRecord): boolean => FINISHED.has(String(t.status ?? 'pending'));

/** The fields a rewrite may change; everything else of a task is kept as it is. */
export const REWRITE_FIELDS = ['title', 'description', 'details', 'testStrategy'] as const;

const text = z.string();
const SubtaskRewriteSchema = z.object({
  id: z.number().int().positive(),
  title: text.min(1).max(200),
  description: text,
  details: text,
  testStrategy: text.optional(),
});

/** A rewritten task (update-task, update, scope-up/down): its text and its pending subtasks' text. */
export const TaskRewriteSchema = z.object({
  title: text.min(1).max(200),
  description: text.min(1),
  details: text,
  testStrategy: text,
  subtasks: z.array(SubtaskRewriteSchema).default([]),
});
export type TaskRewrite = z.infer<typeof TaskRewriteSchema>;

/** A new task (add-task --prompt); `dependsOn` is checked against the tasks that exist. */
export const NewTaskSchema = z.object({
  title: text.min(1).max(200),
  description: text.min(1),
  details: text,
  testStrategy: text,
  priority: z.enum(['high', 'medium', 'low']).optional(),
  dependsOn: z.array(z.number().int()).default([]),
});
export type NewTask = z.infer<typeof NewTaskSchema>;

/** Text to append to a task's or subtask's details (update-subtask, update-task --append). */
export const AppendInfoSchema = z.object({ info: text.min(1) });

/** A task (or subtask) as the model sees it: fields on labelled lines, subtasks with their status. */
export function describeTask(t: TaskRecord, label: string): string {
  const lines = [`${label}: ${oneLine(t.title)}`, `Status: ${oneLine(t.status) || 'pending'}`];
  for (const [k, name] of [
    ['description', 'Description'],
    ['details', 'Details'],
    ['testStrategy', 'Test strategy'],
  ] as const) {
    if (typeof t[k] === 'string' && (t[k] as string).trim()) lines.push(`${name}: ${String(t[k]).trim()}`);
  }
  const subs = subtasksOf(t);
  if (subs.length) {
    lines.push('Subtasks:');
    for (const s of subs) {
      const done = isFinished(s);
      lines.push(
        `- id ${oneLine(s.id)} [${oneLine(s.status) || 'pending'}] ${oneLine(s.title)}${done ? ' (done: leave out)' : ''}`,
      );
      if (!done) {
        if (s.description) lines.push(`  Description: ${oneLine(s.description)}`);
        if (s.details) lines.push(`  Details: ${oneLine(s.details)}`);
      }
    }
  }
  return lines.join('\n');
}

const fenced = (label: string, body: string) => {
  const f = fenceData(label, body);
  return `${f.open}\n${f.body}\n${f.close}`;
};

/**
 * `--research` background (knowledge-base passages) as a fenced block placed after the task; empty
 * without it, so the prompts without --research are unchanged.
 */
export function backgroundBlock(text: string | undefined): string {
  return text?.trim() ? `Background from the project's knowledge base:\n${fenced('background', text.trim())}\n\n` : '';
}

/** update-task / update: rewrite `task` for the user's change request. */
export function updatePrompt(context: string, task: TaskRecord, request: string, background?: string): BuiltPrompt {
  const p = loadPrompt('update-task', {
    task: fenced('task', describeTask(task, `Task ${oneLine(task.id)}`)),
    request,
    background: backgroundBlock(background),
  });
  return { promptId: p.id, messages: taskMessages(context, p.text.trim()) };
}

/** add-task --prompt: one new task that becomes task `id`. */
export function addPrompt(context: string, id: number, request: string, background?: string): BuiltPrompt {
  const p = loadPrompt('add-task', { id, request, background: backgroundBlock(background) });
  return { promptId: p.id, messages: taskMessages(context, p.text.trim()) };
}

/** update-subtask / update-task --append: the text to append to a task's or subtask's details. */
export function appendPrompt(
  context: string,
  item: TaskRecord,
  label: string,
  request: string,
  background?: string,
): BuiltPrompt {
  const p = loadPrompt('append-info', {
    background: backgroundBlock(background),
    item: label.toLowerCase(),
    task: fenced('task', describeTask(item, label)),
    request,
  });
  return { promptId: p.id, messages: taskMessages(context, p.text.trim()) };
}

/**
 * Applies a rewrite in place: the task's text fields, and the text fields of its subtasks that are
 * still pending and that the answer names by id. Returns what changed (`title`, `2.3 details`, …) and
 * the subtask ids the answer named that are not pending subtasks of the task (ignored).
 */
export function applyRewrite(task: TaskRecord, r: TaskRewrite): { changed: string[]; ignored: number[] } {
  const changed: string[] = [];
  const set = (target: TaskRecord, key: string, value: string | undefined, label: string) => {
    if (value === undefined || target[key] === value) return;
    target[key] = value;
    changed.push(label);
  };
  for (const k of REWRITE_FIELDS) set(task, k, r[k], k);
  const ignored: number[] = [];
  for (const s of r.subtasks) {
    const sub = subtasksOf(task).find((x) => sameId(x.id, s.id));
    if (!sub || isFinished(sub)) {
      ignored.push(s.id);
      continue;
    }
    for (const k of REWRITE_FIELDS) set(sub, k, s[k], `${oneLine(task.id)}.${s.id} ${k}`);
  }
  if (changed.length) task.updatedAt = new Date().toISOString();
  return { changed, ignored };
}

/** task-master's timestamped block, appended to details on a new line (update-subtask, update-task --append). */
export function appendInfo(item: TaskRecord, info: string, now: Date): void {
  const ts = now.toISOString();
  const block = `<info added on ${ts}>\n${info.trim()}\n</info added on ${ts}>`;
  const old = typeof item.details === 'string' ? item.details : '';
  item.details = old ? `${old}\n${block}` : block;
}
