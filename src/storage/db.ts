import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageError } from '../errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type DB = Database.Database;

export interface OpenOptions {
  /** Skip loading sqlite-vec (only for tools that never touch vectors). */
  noVec?: boolean;
  readonly?: boolean;
  migrations?: readonly Migration[];
}

/**
 * Opens (creating if needed) the one SQLite file: WAL, busy_timeout, sqlite-vec, migrations.
 * ':memory:' works for unit tests.
 */
export function openDatabase(path: string, opts: OpenOptions = {}): DB {
  let db: DB;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: 5000, readonly: opts.readonly ?? false });
  } catch (cause) {
    throw new StorageError('STORAGE', `cannot open database ${path}: ${(cause as Error).message}`, {
      hint: 'check that the directory is writable, or set TASKMASTER_LOCAL_DB to another path',
      cause,
    });
  }
  try {
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.pragma('mmap_size = 1073741824');
    if (!opts.noVec) sqliteVec.load(db);
    if (!opts.readonly) migrate(db, opts.migrations ?? MIGRATIONS);
  } catch (cause) {
    db.close();
    if (cause instanceof StorageError) throw cause;
    throw new StorageError('STORAGE', `database ${path} is not usable: ${(cause as Error).message}`, {
      hint: 'run `task-master-local recover --run` to check and repair it, or move the file aside',
      cause,
    });
  }
  return db;
}

/** Runs fn inside BEGIN IMMEDIATE: a read-then-write transaction can never die of BUSY_SNAPSHOT. */
export function writeTx<T>(db: DB, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/**
 * Applies every migration whose id is not yet recorded. Ids are unique numbers; each module owns
 * its own migration files, so they are applied by id, not by a single high-water mark.
 */
export function migrate(db: DB, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))`);
  const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as { id: number }[]).map((r) => r.id));
  const pending = [...migrations].filter((m) => !applied.has(m.id)).sort((a, b) => a.id - b.id);
  for (const m of pending) {
    writeTx(db, () => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (id, name) VALUES (?, ?)').run(m.id, m.name);
    });
  }
}

/** Current schema state, for `health`. */
export function schemaStatus(db: DB, migrations: readonly Migration[] = MIGRATIONS) {
  const applied = (db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: number }[]).map(
    (r) => r.id,
  );
  const missing = migrations.filter((m) => !applied.includes(m.id)).map((m) => m.id);
  return { applied, missing, current: missing.length === 0, version: Math.max(0, ...applied) };
}
