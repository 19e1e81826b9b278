import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../../src/storage/db.js';
import type { Migration } from '../../../src/storage/migrations/index.js';

const dbFile = () => join(mkdtempSync(join(tmpdir(), 'tml-migrate-')), 'local.db');
const ids = (db: Database.Database) =>
  (db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: number }[]).map((r) => r.id);

const M: Migration[] = [
  { id: 2, name: 'b', sql: 'CREATE TABLE b (x INTEGER)' },
  { id: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER)' },
];

describe('migrations: decided and applied in one transaction', () => {
  it('applies pending migrations by id, once', () => {
    const db = new Database(dbFile());
    migrate(db, M);
    migrate(db, M);
    expect(ids(db)).toEqual([1, 2]);
    migrate(db, [...M, { id: 3, name: 'c', sql: 'CREATE TABLE c (x INTEGER)' }]);
    expect(ids(db)).toEqual([1, 2, 3]);
  });

  it('is all or nothing: a failing migration leaves no table and no record of the others', () => {
    const db = new Database(dbFile());
    expect(() => migrate(db, [...M, { id: 3, name: 'bad', sql: 'CREATE TABLE oops (' }])).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([]);
  });

  it('a current database takes no write lock (opening never waits behind a writer)', () => {
    const path = dbFile();
    openDatabase(path).close();
    const writer = new Database(path);
    writer.exec('BEGIN IMMEDIATE');
    // a write attempt would wait busy_timeout behind the writer (which never lets go here) and fail
    expect(() => openDatabase(path).close()).not.toThrow();
    writer.exec('ROLLBACK');
  });
});
