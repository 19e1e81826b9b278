import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/storage/db.js';
import { SCHEMA_BASELINE } from '../../../src/storage/migrations/baseline.js';
import { MIGRATIONS } from '../../../src/storage/migrations/index.js';

/** An empty database that remembers the SQL it executed. */
const fresh = () => {
  const db = new Database(':memory:');
  sqliteVec.load(db);
  const executed: string[] = [];
  const exec = db.exec.bind(db);
  db.exec = (sql: string) => (executed.push(sql), exec(sql));
  return Object.assign(db, { executed });
};
/** Migration 052 rebuilds three tables under temporary names: only a replayed history creates them. */
const replayed = (db: ReturnType<typeof fresh>) => db.executed.some((s) => s.includes('CREATE TABLE failures_v2'));
const schema = (db: Database.Database) =>
  db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all();
const ids = (db: Database.Database) =>
  (db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: number }[]).map((r) => r.id);
const byId = [...MIGRATIONS].sort((a, b) => a.id - b.id);

describe('schema baseline of a new database', () => {
  it('gives the schema the migrations give one by one, and records every migration', () => {
    const history = fresh();
    // One migration at a time: only the first call sees an empty database, and it does not ask for all of them.
    for (const m of byId) migrate(history, [m]);
    const baseline = fresh();
    migrate(baseline, MIGRATIONS);
    expect(schema(baseline)).toEqual(schema(history));
    expect(ids(baseline)).toEqual(byId.map((m) => m.id));
    expect(replayed(history)).toBe(true);
    expect(replayed(baseline)).toBe(false);
    expect(baseline.executed.filter((s) => SCHEMA_BASELINE.statements.includes(s))).toHaveLength(
      SCHEMA_BASELINE.statements.length,
    );
  });

  it('applies a migration it does not cover after it, and is not used for an existing database', () => {
    const extra = { id: 999, name: 'extra', sql: 'CREATE TABLE extra (x INTEGER)' };
    const db = fresh();
    migrate(db, [...MIGRATIONS, extra]);
    expect(ids(db)).toEqual([...byId.map((m) => m.id), 999]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get()).toEqual({ name: 'extra' });

    const old = fresh();
    migrate(old, [byId[0]!]);
    migrate(old, MIGRATIONS);
    expect(replayed(old)).toBe(true);
    expect(schema(old)).toEqual(schema(db).filter((r) => (r as { name: string }).name !== 'extra'));
  });
});
