import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, writeTx, type DB } from '../../../src/storage/db.js';
import { groupWrites, withGroupedWrites } from '../../../src/storage/write-group.js';

const dirs: string[] = [];
const open: DB[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Two connections to one file: the writer, and a reader that sees only committed rows. */
function pair(): { db: DB; other: DB } {
  const dir = mkdtempSync(join(tmpdir(), 'tml-group-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'x.db'), { migrations: [], noVec: true });
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const other = openDatabase(join(dir, 'x.db'), { migrations: [], noVec: true, readonly: true });
  open.push(db, other);
  return { db, other };
}
const put = (db: DB, k: number, v: string | null = `v${k}`) =>
  writeTx(db, () => db.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run(k, v));
const count = (db: DB) => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;

describe('grouped writes', () => {
  it('commits every `rows` writes and at the end; the writer reads its writes at once, others after the commit', () => {
    const { db, other } = pair();
    const end = groupWrites(db, { rows: 3, ms: 60_000 });
    put(db, 1);
    put(db, 2);
    expect(count(db)).toBe(2);
    expect(count(other)).toBe(0);
    put(db, 3); // the third write commits the group's transaction
    expect(count(other)).toBe(3);
    put(db, 4);
    expect(count(other)).toBe(3);
    end();
    expect(count(other)).toBe(4);
    expect(db.inTransaction).toBe(false);
    put(db, 5); // no group any more: its own transaction
    expect(count(other)).toBe(5);
  });

  it('commits after `ms` even when few rows were written', async () => {
    const { db, other } = pair();
    const end = groupWrites(db, { rows: 1000, ms: 20 });
    put(db, 1);
    expect(count(other)).toBe(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(count(other)).toBe(1);
    end();
  });

  it('a failing write undoes only itself; the writes before it are kept', () => {
    const { db, other } = pair();
    const end = groupWrites(db, { rows: 100, ms: 60_000 });
    put(db, 1);
    expect(() => put(db, 2, null)).toThrow(/NOT NULL/);
    expect(() =>
      writeTx(db, () => {
        db.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run(3, 'v3');
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    put(db, 4);
    end();
    expect(other.prepare('SELECT k FROM t ORDER BY k').pluck().all()).toEqual([1, 4]);
  });

  it('nests: the outermost group commits; closing the connection commits what is pending', () => {
    const { db, other } = pair();
    const outer = groupWrites(db, { rows: 100, ms: 60_000 });
    const inner = groupWrites(db);
    put(db, 1);
    inner();
    expect(count(other)).toBe(0);
    put(db, 2);
    db.close(); // e.g. the project closed before the group ended
    expect(count(other)).toBe(2);
    outer();
  });

  it('withGroupedWrites ends the group when the job fails, and the job’s error is the one thrown', async () => {
    const { db, other } = pair();
    await expect(
      withGroupedWrites(db, async () => {
        put(db, 1);
        await new Promise((r) => setTimeout(r, 1));
        throw new Error('job failed');
      }),
    ).rejects.toThrow('job failed');
    expect(count(other)).toBe(1);
    expect(db.inTransaction).toBe(false);
    expect(await withGroupedWrites(db, async () => (put(db, 2), 'ok'))).toBe('ok');
    expect(count(other)).toBe(2);
  });
});
