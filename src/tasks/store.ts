/**
 * One tag of task-master's tasks.json for the task commands (expand, analyze-complexity, add-task,
 * update*, scope-*): read and checked through src/taskmaster (its reader, its lock), tasks and
 * subtasks located by id with one-line errors, and changes written back once, under task-master's
 * lock, atomically renamed into place. Every check happens before the write: a command that fails
 * leaves tasks.json byte-identical.
 */
import { existsSync } from 'node:fs';
import { AppError, StorageError } from '../errors.js';
import { withFileLock, type LockOptions } from '../taskmaster/lock.js';
import { readTasksFile, type TasksFile } from '../taskmaster/tasks-file.js';
import { atomicWriteFile } from '../util/fs.js';
import { idText, type TaskId } from './ids.js';

/** A task or subtask as stored; unknown keys are kept as they are. */
export type TaskRecord = Record<string, unknown>;

/** One tag's tasks as read from the file. */
export interface TagTasks {
  path: string;
  tag: string;
  tasks: TaskRecord[];
  /** Every tag in the file (for hints). */
  tags: string[];
}

/** Whether a stored id (number or numeric string, as task-master's two writers store them) is `n`. */
export const sameId = (id: unknown, n: number): boolean => id !== undefined && id !== null && Number(id) === n;

/** A task's subtasks (none when the field is missing). */
export const subtasksOf = (t: TaskRecord): TaskRecord[] =>
  Array.isArray(t.subtasks) ? (t.subtasks as TaskRecord[]) : [];

/** The id a new subtask of `t` gets when appended: after the highest existing one. */
export function nextSubtaskId(t: TaskRecord): number {
  return subtasksOf(t).reduce((m, s) => Math.max(m, Number(s.id) || 0), 0) + 1;
}

/** Ids of a list as a short text for hints: `1-8, 10`. */
export function idRanges(ids: number[]): string {
  const s = [...new Set(ids)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    out.push(j > i ? `${s[i]}-${s[j]}` : String(s[i]));
    i = j + 1;
  }
  return out.join(', ') || 'none';
}

const validId = (v: unknown) =>
  (typeof v === 'number' && Number.isInteger(v) && v > 0) ||
  (typeof v === 'string' && /^\d+$/.test(v) && Number(v) > 0);

/**
 * Checks what the task commands rely on (task-master's readers need more, see reference §2.2): every
 * task an object with a positive integer id (number or numeric string) that no other task has and a
 * title; subtasks, when present, an array of such objects. A file edited by hand into another shape
 * is refused before anything is asked or written.
 */
export function checkShape(tasks: unknown[], path: string, tag: string): asserts tasks is TaskRecord[] {
  const bad = (what: string) =>
    new StorageError('TASKS_FILE', `${path}: tag "${tag}": ${what}`, {
      hint: 'fix it by hand (the file was left untouched), or restore tasks.json from version control',
    });
  const seen = new Set<number>();
  tasks.forEach((t, i) => {
    if (typeof t !== 'object' || t === null || Array.isArray(t))
      throw bad(`task at position ${i + 1} is not an object`);
    const r = t as TaskRecord;
    if (!validId(r.id))
      throw bad(
        `task at position ${i + 1} has no valid id (${JSON.stringify(r.id) ?? 'missing'}; ids are whole numbers)`,
      );
    const id = Number(r.id);
    if (seen.has(id)) throw bad(`task id ${id} appears twice`);
    seen.add(id);
    if (typeof r.title !== 'string') throw bad(`task ${id} has no title`);
    if (r.subtasks === undefined || r.subtasks === null) return;
    if (!Array.isArray(r.subtasks)) throw bad(`task ${id}: "subtasks" is not an array`);
    const subs = new Set<number>();
    r.subtasks.forEach((s: unknown, j: number) => {
      if (typeof s !== 'object' || s === null || Array.isArray(s))
        throw bad(`task ${id}: subtask at position ${j + 1} is not an object`);
      const sid = (s as TaskRecord).id;
      if (!validId(sid)) throw bad(`task ${id}: subtask at position ${j + 1} has no valid id`);
      if (subs.has(Number(sid))) throw bad(`task ${id}: subtask id ${Number(sid)} appears twice`);
      subs.add(Number(sid));
    });
  });
}

function tagOf(file: TasksFile, path: string, tag: string): TaskRecord[] {
  const tags = Object.keys(file);
  if (!tags.length) {
    throw new AppError('NOT_FOUND', `no tasks in ${path}${existsSync(path) ? '' : ' (the file does not exist)'}`, {
      hint: 'create tasks first: `task-master-local parse-prd` or `task-master add-task`',
    });
  }
  const data = file[tag];
  if (!data) {
    throw new AppError('NOT_FOUND', `tag "${tag}" does not exist in ${path}`, {
      hint: `tags in the file: ${tags.join(', ')}; pass --tag <tag>, or create it with \`task-master add-tag ${tag}\``,
    });
  }
  checkShape(data.tasks, path, tag);
  return data.tasks;
}

/** Reads one tag; a missing file, a missing tag or a task of the wrong shape is bad input (exit 2). */
export function loadTag(path: string, tag: string): TagTasks {
  const file = readTasksFile(path);
  return { path, tag, tasks: tagOf(file, path, tag), tags: Object.keys(file) };
}

/** The task with this id; unknown ids are bad input naming the ids there are. */
export function findTask(t: Pick<TagTasks, 'path' | 'tag' | 'tasks'>, id: number): TaskRecord {
  const task = t.tasks.find((x) => sameId(x.id, id));
  if (!task) {
    throw new AppError('NOT_FOUND', `task ${id} does not exist in tag "${t.tag}" of ${t.path}`, {
      hint: `task ids in tag "${t.tag}": ${idRanges(t.tasks.map((x) => Number(x.id)))}; see \`task-master list\``,
    });
  }
  return task;
}

/** The subtask `P.S`; an unknown task or subtask is bad input naming the ids there are. */
export function findSubtask(t: Pick<TagTasks, 'path' | 'tag' | 'tasks'>, id: Required<TaskId>): TaskRecord {
  const parent = findTask(t, id.task);
  const sub = subtasksOf(parent).find((s) => sameId(s.id, id.sub));
  if (!sub) {
    const ids = subtasksOf(parent).map((s) => Number(s.id));
    throw new AppError('NOT_FOUND', `subtask ${idText(id)} does not exist in tag "${t.tag}" of ${t.path}`, {
      hint: ids.length
        ? `task ${id.task} has subtasks ${idRanges(ids)}; see \`task-master show ${id.task}\``
        : `task ${id.task} has no subtasks; add some with \`task-master-local expand --id ${id.task}\``,
    });
  }
  return sub;
}

export interface EditOptions extends LockOptions {
  now?: () => Date;
}

/**
 * Read-modify-write of one tag under task-master's lock: the file is read fresh under the lock (a
 * task-master command may have changed it since the job read it), `edit` changes the tag's tasks in
 * place and returns what the caller needs, and the whole file is written once, atomically. If
 * `edit` throws, nothing is written. Other tags and unknown keys are kept; the tag's
 * `metadata.updated` is set.
 */
export function editTag<R>(path: string, tag: string, edit: (tasks: TaskRecord[]) => R, opts: EditOptions = {}): R {
  return withFileLock(
    path,
    () => {
      const file = readTasksFile(path);
      const tasks = tagOf(file, path, tag);
      const result = edit(tasks);
      const data = file[tag]!;
      const now = (opts.now?.() ?? new Date()).toISOString();
      data.metadata = {
        ...(data.metadata ?? {}),
        created: (data.metadata?.created as string | undefined) ?? now,
        updated: now,
        description: (data.metadata?.description as string | undefined) ?? `Tasks for ${tag} context`,
      };
      atomicWriteFile(path, JSON.stringify(file, null, 2) + '\n');
      return result;
    },
    opts,
  );
}
