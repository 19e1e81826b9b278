import { StorageError, ValidationError } from '../errors.js';
import { atomicWriteFile, readTextFileIfExists } from '../util/fs.js';
import { parseJsonWithPosition } from '../util/json.js';
import { withFileLock, type LockOptions } from './lock.js';

/** One tag's content; unknown keys (task-master's or the user's) are kept as they are. */
export interface TagData {
  tasks: Record<string, unknown>[];
  metadata?: Record<string, unknown>;
  [k: string]: unknown;
}
export type TasksFile = Record<string, TagData>;

/**
 * Reads tasks.json in either format: tagged `{tag:{tasks,metadata}}`, or the old flat
 * `{tasks:[…]}` which task-master reads as tag `master`. A syntax error names line and column.
 */
export function readTasksFile(path: string): TasksFile {
  const text = readTextFileIfExists(path);
  if (text === undefined || !text.trim()) return {};
  const parsed = parseJsonWithPosition(text);
  if (!parsed.ok) {
    throw new StorageError('TASKS_FILE', `${path}: ${parsed.error}`, {
      hint: 'fix the JSON at that position (the file was left untouched), or move it aside to start fresh',
      details: { line: parsed.line, column: parsed.column },
    });
  }
  const v = parsed.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new StorageError('TASKS_FILE', `${path}: the top level must be a JSON object`, {
      hint: 'task-master writes {"master": {"tasks": [...]}}; fix or move the file aside',
    });
  }
  const obj = v as Record<string, unknown>;
  if (Array.isArray(obj.tasks)) return { master: obj as TagData };
  for (const [tag, data] of Object.entries(obj)) {
    const d = data as TagData | null;
    if (typeof d !== 'object' || d === null || !Array.isArray(d.tasks)) {
      throw new StorageError('TASKS_FILE', `${path}: tag "${tag}" has no "tasks" array`, {
        hint: 'fix that tag in the file (it was left untouched), or move the file aside',
      });
    }
  }
  return obj as TasksFile;
}

/** Highest numeric top-level id in a tag (ids may be numbers or numeric strings), 0 if none. */
export function maxTaskId(tasks: Record<string, unknown>[]): number {
  return tasks.reduce((m, t) => {
    const n = Number(t.id);
    return Number.isFinite(n) ? Math.max(m, n) : m;
  }, 0);
}

export type WriteMode = 'create' | 'force' | 'append';

export interface WriteTagOptions extends LockOptions {
  tag: string;
  mode: WriteMode;
  /** Builds the new tasks from the first free id; called under the lock with the fresh file. */
  build: (firstId: number) => Record<string, unknown>[];
  now?: () => Date;
}

/**
 * Read-modify-write of one tag under task-master's lock, atomically renamed into place. Other
 * tags are untouched. `create` refuses a non-empty tag (nothing written), `force` replaces it,
 * `append` continues after its highest id. Returns the tasks written.
 */
export function writeTag(path: string, opts: WriteTagOptions): { tasks: Record<string, unknown>[]; firstId: number } {
  return withFileLock(
    path,
    () => {
      const file = readTasksFile(path);
      const existing = file[opts.tag];
      const old = existing?.tasks ?? [];
      if (old.length && opts.mode === 'create') {
        throw new ValidationError(`tag "${opts.tag}" in ${path} already has ${old.length} tasks`, {
          hint: 'use --force to replace them, --append to add after them, or --tag <name> for another tag',
        });
      }
      const firstId = opts.mode === 'append' ? maxTaskId(old) + 1 : 1;
      const fresh = opts.build(firstId);
      const now = (opts.now?.() ?? new Date()).toISOString();
      const metadata = {
        ...(existing?.metadata ?? {}),
        created: (existing?.metadata?.created as string | undefined) ?? now,
        updated: now,
        description: (existing?.metadata?.description as string | undefined) ?? `Tasks for ${opts.tag} context`,
      };
      const tasks = opts.mode === 'append' ? [...old, ...fresh] : fresh;
      file[opts.tag] = { ...(existing ?? {}), tasks, metadata };
      atomicWriteFile(path, JSON.stringify(file, null, 2) + '\n');
      return { tasks: fresh, firstId };
    },
    opts,
  );
}

/**
 * Checks, without writing, that writeTag would succeed (file parses, tag free or mode allows);
 * used before spending minutes of model time on a run whose result could not be saved.
 */
export function checkWritable(path: string, tag: string, mode: WriteMode): void {
  const old = readTasksFile(path)[tag]?.tasks ?? [];
  if (old.length && mode === 'create') {
    throw new ValidationError(`tag "${tag}" in ${path} already has ${old.length} tasks`, {
      hint: 'use --force to replace them, --append to add after them, or --tag <name> for another tag',
    });
  }
}
