/**
 * task-master's tasks as research context (`--id`) and as a destination (`--save-to`), through
 * src/taskmaster's reader and lock. Ids are `7` for a task or `7.2` for a subtask, as in task-master.
 */
import { AppError, ValidationError } from '../errors.js';
import { currentTag } from '../taskmaster/state.js';
import { readTasksFile } from '../taskmaster/tasks-file.js';
import { withFileLock } from '../taskmaster/lock.js';
import { atomicWriteFile } from '../util/fs.js';

type Task = Record<string, unknown> & { id?: unknown; subtasks?: Task[] };

/** Splits `1,2.3, 4` into ids; rejects anything that is not `N` or `N.M`. */
export function parseTaskIds(list: string): string[] {
  const ids = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = ids.filter((id) => !/^\d+(\.\d+)?$/.test(id));
  if (!ids.length || bad.length) {
    throw new ValidationError(`invalid task id(s): ${bad.join(', ') || list}`, {
      hint: 'use task ids like 3 or 3.2, comma-separated',
    });
  }
  return ids;
}

function find(tasks: Task[], id: string): Task | undefined {
  const [top, sub] = id.split('.');
  const t = tasks.find((x) => String(x.id) === top);
  if (!t || sub === undefined) return t;
  return (t.subtasks ?? []).find((s) => String(s.id) === sub);
}

function notFound(ids: string[], path: string, tag: string): AppError {
  return new AppError('NOT_FOUND', `task ${ids.join(', ')} not found in ${path} (tag ${tag})`, {
    hint: 'list tasks with `task-master list`, or pass --tag via task-master use-tag',
  });
}

/** Title, description and details of the given tasks, as one context block. */
export function taskContext(paths: { tasks: string; state: string }, ids: string[]): string {
  const tag = currentTag(paths.state);
  const tasks = (readTasksFile(paths.tasks)[tag]?.tasks ?? []) as Task[];
  const missing = ids.filter((id) => !find(tasks, id));
  if (missing.length) throw notFound(missing, paths.tasks, tag);
  return ids
    .map((id) => {
      const t = find(tasks, id)!;
      const parts = [`Task ${id}: ${String(t.title ?? '')}`];
      for (const k of ['description', 'details', 'testStrategy'] as const)
        if (t[k]) parts.push(`${k}: ${String(t[k])}`);
      return parts.join('\n');
    })
    .join('\n\n');
}

/** Throws NOT_FOUND naming every id of `ids` the current tag does not have (checked before a model is asked). */
export function assertTasksExist(paths: { tasks: string; state: string }, ids: readonly string[]): void {
  const tag = currentTag(paths.state);
  const tasks = (readTasksFile(paths.tasks)[tag]?.tasks ?? []) as Task[];
  const missing = ids.filter((id) => !find(tasks, id));
  if (missing.length) throw notFound(missing, paths.tasks, tag);
}

/**
 * Appends a research block to the details of each task or subtask of `ids`, in one write under
 * task-master's lock; an unknown id fails the whole save, leaving tasks.json as it was.
 */
export function appendToTaskDetails(
  paths: { tasks: string; state: string },
  ids: string | readonly string[],
  block: string,
): void {
  const list = typeof ids === 'string' ? parseTaskIds(ids) : ids;
  const tag = currentTag(paths.state);
  withFileLock(paths.tasks, () => {
    const file = readTasksFile(paths.tasks);
    const tasks = (file[tag]?.tasks ?? []) as Task[];
    const missing = list.filter((id) => !find(tasks, id));
    if (missing.length) throw notFound(missing, paths.tasks, tag);
    for (const id of new Set(list)) {
      const t = find(tasks, id)!;
      const old = typeof t.details === 'string' ? t.details : '';
      t.details = old ? `${old.trimEnd()}\n\n${block}` : block;
    }
    atomicWriteFile(paths.tasks, JSON.stringify(file, null, 2) + '\n');
  });
}
