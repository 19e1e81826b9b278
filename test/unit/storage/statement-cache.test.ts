import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/storage/db.js';

describe('compiled statements kept by the connection', () => {
  it('hands out the same statement for the same SQL, in its default mode, and a fresh one while it is iterating', () => {
    const db = openDatabase(':memory:', { migrations: [], noVec: true });
    db.exec('CREATE TABLE t (a INTEGER, b TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    for (let i = 0; i < 3; i++) insert.run(i, `v${i}`);
    expect(db.prepare('INSERT INTO t VALUES (?, ?)')).toBe(insert);

    const sql = 'SELECT a, b FROM t ORDER BY a';
    expect(db.prepare(sql).pluck().all()).toEqual([0, 1, 2]);
    expect(db.prepare(sql).all()).toEqual([
      { a: 0, b: 'v0' },
      { a: 1, b: 'v1' },
      { a: 2, b: 'v2' },
    ]);
    expect(db.prepare(sql).raw().get()).toEqual([0, 'v0']);
    expect(db.prepare(sql).get()).toEqual({ a: 0, b: 'v0' });

    // Nested use of the same SQL inside an iteration gets its own statement.
    const seen: number[] = [];
    for (const row of db.prepare(sql).iterate() as Iterable<{ a: number }>) {
      seen.push(row.a, (db.prepare(sql).all() as unknown[]).length);
    }
    expect(seen).toEqual([0, 3, 1, 3, 2, 3]);
    db.close();
  });
});
