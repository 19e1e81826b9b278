import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError, StorageError } from '../errors.js';
import { fsError, sqliteError } from '../util/os-errors.js';
import { SCHEMA_BASELINE } from './migrations/baseline.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { groupOf } from './write-group.js';

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
    const mapped = environmentError(cause, path);
    if (mapped) throw mapped;
    throw new StorageError('STORAGE', `cannot open database ${path}: ${(cause as Error).message}`, {
      hint: 'check that the directory is writable, or set TASKMASTER_LOCAL_DB to another path',
      cause,
    });
  }
  try {
    if (!opts.readonly) {
      // 8 KiB pages for new files (a no-op on existing ones): five 1.5 KiB research vectors fit in
      // a page where a 4 KiB page holds two, so a 100k-chunk knowledge base is ~20% smaller.
      db.pragma('page_size = 8192');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.pragma('mmap_size = 1073741824');
    cacheStatements(db);
    if (!opts.noVec) sqliteVec.load(db);
    if (!opts.readonly) migrate(db, opts.migrations ?? MIGRATIONS);
  } catch (cause) {
    db.close();
    if (cause instanceof AppError) throw cause;
    const mapped = environmentError(cause, path);
    if (mapped) throw mapped;
    throw new StorageError('STORAGE', `database ${path} is not usable: ${(cause as Error).message}`, {
      hint: 'run `task-master-local recover --run` to check and repair it, or move the file aside',
      cause,
    });
  }
  return db;
}

/**
 * Repositories call `db.prepare(sql)` where they use it, which reads well; compiling the same SQL again for
 * every row of a large run (a metrics row and a checkpoint per model call) does not. The connection keeps
 * the compiled statements by SQL text (a statement that is busy in an unfinished `.iterate()` is never
 * handed out twice, and each one is handed out in its default mode); bounded, since some SQL is built with a variable number of placeholders.
 */
function cacheStatements(db: DB): void {
  const compile = db.prepare.bind(db);
  const cache = new Map<string, ReturnType<typeof compile>>();
  db.prepare = ((sql: string) => {
    const hit = cache.get(sql);
    // Modes set by a previous caller (.pluck(), .raw(), .expand()) do not leak to the next one.
    if (hit && !hit.busy) return hit.reader ? hit.pluck(false).raw(false).expand(false) : hit;
    const stmt = compile(sql);
    if (!hit) {
      if (cache.size >= 500) cache.clear();
      cache.set(sql, stmt);
    }
    return stmt;
  }) as typeof db.prepare;
}

/**
 * Runs fn inside BEGIN IMMEDIATE: a read-then-write transaction can never die of BUSY_SNAPSHOT.
 * While a write group is open on the connection (groupWrites), fn runs inside the group's transaction.
 * A full disk or a read-only file becomes an AppError naming the database file.
 */
export function writeTx<T>(db: DB, fn: () => T): T {
  try {
    // Inside a long run's write group (see write-group.ts) the write joins the group's transaction.
    const group = groupOf(db);
    return group ? group.run(fn) : db.transaction(fn).immediate();
  } catch (e) {
    throw environmentError(e, db.name) ?? e;
  }
}

/** An OS or SQLite error caused by the environment (full, read-only, no permission) → AppError naming the file. */
function environmentError(e: unknown, path: string): AppError | undefined {
  if (e instanceof AppError) return undefined;
  const viaSqlite = sqliteError(e, path);
  if (viaSqlite instanceof AppError && viaSqlite.code !== 'STORAGE' && viaSqlite.code !== 'LOCKED') return viaSqlite;
  const viaFs = fsError(e, path);
  return viaFs instanceof AppError && viaFs.code !== 'NOT_FOUND' ? viaFs : undefined;
}

/**
 * Applies every migration whose id is not yet recorded. Ids are unique numbers; each module owns
 * its own migration files, so they are applied by id, not by a single high-water mark. Which ones
 * are pending is decided inside the same BEGIN IMMEDIATE transaction that applies them: of several
 * processes opening a fresh project at once, one applies everything while the others wait on the
 * write lock (busy_timeout) and then find nothing left to do. A database that is already current
 * takes no write lock at all.
 */
export function migrate(db: DB, migrations: readonly Migration[]): void {
  const sorted = [...migrations].sort((a, b) => a.id - b.id);
  if (pendingMigrations(db, sorted).length === 0) return;
  writeTx(db, () => {
    const empty = !db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))`);
    const record = db.prepare('INSERT INTO schema_migrations (id, name) VALUES (?, ?)');
    let pending = pendingMigrations(db, sorted);
    // A new database gets the schema the baseline's migrations leave in one step (their history
    // rebuilds tables and ALTERs them, twice the work), when every one of them is asked for.
    const covered = new Set(SCHEMA_BASELINE.ids);
    if (empty && pending.filter((m) => covered.has(m.id)).length === covered.size) {
      for (const sql of SCHEMA_BASELINE.statements) db.exec(sql);
      for (const m of pending) if (covered.has(m.id)) record.run(m.id, m.name);
      pending = pending.filter((m) => !covered.has(m.id));
    }
    for (const m of pending) {
      db.exec(m.sql);
      record.run(m.id, m.name);
    }
  });
}

function pendingMigrations(db: DB, migrations: readonly Migration[]): Migration[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return [...migrations];
  const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as { id: number }[]).map((r) => r.id));
  return migrations.filter((m) => !applied.has(m.id));
}

/** Current schema state, for `health`. */
export function schemaStatus(db: DB, migrations: readonly Migration[] = MIGRATIONS) {
  const applied = (db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: number }[]).map(
    (r) => r.id,
  );
  const missing = migrations.filter((m) => !applied.includes(m.id)).map((m) => m.id);
  return { applied, missing, current: missing.length === 0, version: Math.max(0, ...applied) };
}
