/**
 * Task ids as task-master's users type them: `7` for a task, `7.2` for subtask 2 of task 7, and
 * comma lists of either. Parsing is the first bad-input check of every task command, so a wrong id
 * is one line with a hint before any file is read.
 */
import { ValidationError } from '../errors.js';

/** A parsed id: a task, or a subtask of a task. */
export interface TaskId {
  task: number;
  sub?: number;
}

/** `7` or `7.2` as text. */
export const idText = (id: TaskId): string => (id.sub === undefined ? String(id.task) : `${id.task}.${id.sub}`);

/** Parses `7` or `7.2`; `what` names the flag in the message (`--id`). */
export function parseTaskId(raw: string, what = '--id'): TaskId {
  const m = /^\s*(\d+)(?:\.(\d+))?\s*$/.exec(raw);
  const task = m ? Number(m[1]) : Number.NaN;
  const sub = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || task < 1 || (sub !== undefined && sub < 1)) {
    throw new ValidationError(`${what}: "${raw}" is not a task id`, {
      hint: 'task ids are whole numbers (7), subtask ids are task.subtask (7.2); see `task-master list`',
    });
  }
  return sub === undefined ? { task } : { task, sub };
}

/** A task id where a subtask id is not allowed (expand, analyze-complexity, update-task). */
export function parseTopId(raw: string, what = '--id'): number {
  const id = parseTaskId(raw, what);
  if (id.sub !== undefined) {
    throw new ValidationError(`${what}: ${idText(id)} is a subtask id; this command takes a task id`, {
      hint: `use the task's id (${id.task}); subtasks are changed with update-subtask --id ${idText(id)}`,
    });
  }
  return id.task;
}

/** A subtask id (`7.2`), as update-subtask needs. */
export function parseSubId(raw: string, what = '--id'): Required<TaskId> {
  const id = parseTaskId(raw, what);
  if (id.sub === undefined) {
    throw new ValidationError(`${what}: ${id.task} is a task id; this command takes a subtask id (task.subtask)`, {
      hint: `name the subtask, e.g. ${id.task}.1; tasks are changed with update-task --id ${id.task}`,
    });
  }
  return { task: id.task, sub: id.sub };
}

/** `1,3, 5` → ids; an empty list or any non-id is bad input. */
export function parseIdList(raw: string, what = '--id'): TaskId[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.length) {
    throw new ValidationError(`${what}: no task id given`, { hint: 'give ids like 3 or 3,4,7' });
  }
  return parts.map((p) => parseTaskId(p, what));
}

/** `1,3,5` → task ids only (a subtask id is refused with the same message as parseTopId). */
export function parseTopIdList(raw: string, what = '--id'): number[] {
  return parseIdList(raw, what).map((id) => parseTopId(idText(id), what));
}
