import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canWrite, repairDatabase } from '../../../src/storage/db-repair.js';

function sampleDb(): { path: string; indexRoot: number } {
  const path = join(mkdtempSync(join(tmpdir(), 'tml-repair-')), 'local.db');
  const db = new Database(path);
  db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
    CREATE INDEX notes_body ON notes(body);
    CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id');
    CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body); END;
    CREATE TABLE plain_fts_src (x TEXT); CREATE VIRTUAL TABLE own_fts USING fts5(x);`);
  const ins = db.prepare('INSERT INTO notes (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) ins.run(`note ${i} about sqlite ${'x'.repeat(40)}`);
  })();
  db.prepare('INSERT INTO own_fts (x) VALUES (?)').run('write ahead logging');
  const indexRoot = (
    db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'notes_body'`).get() as { rootpage: number }
  ).rootpage;
  db.close();
  return { path, indexRoot };
}

describe('repairDatabase', () => {
  it('a sound file: integrity ok, FTS rebuilt, WAL checkpointed, nothing moved', () => {
    const { path } = sampleDb();
    const r = repairDatabase(path);
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => s.name)).toEqual(['integrity_check', 'fts_rebuild', 'wal_checkpoint']);
    expect(r.movedAside).toBeUndefined();
  });

  it('a damaged index: salvages every row into a sound file, keeps the damaged original aside', () => {
    const { path, indexRoot } = sampleDb();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x41), 0, 4096, (indexRoot - 1) * 4096);
    closeSync(fd);
    expect(() => new Database(path).pragma('integrity_check')).toThrow(/malformed/);
    const r = repairDatabase(path, 123);
    expect(r.ok, JSON.stringify(r.steps)).toBe(true);
    expect(r.movedAside).toBe(`${path}.corrupt-123`);
    expect(existsSync(r.movedAside!)).toBe(true);
    const db = new Database(path);
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect((db.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n).toBe(2000);
    // The FTS index was rebuilt from the salvaged rows, and own-content FTS was copied.
    expect(
      (db.prepare(`SELECT count(*) AS n FROM notes_fts WHERE notes_fts MATCH 'sqlite'`).get() as { n: number }).n,
    ).toBe(2000);
    expect((db.prepare(`SELECT x FROM own_fts WHERE own_fts MATCH 'logging'`).get() as { x: string }).x).toBe(
      'write ahead logging',
    );
    // The trigger came back too.
    db.prepare('INSERT INTO notes (body) VALUES (?)').run('fresh words');
    expect(
      (db.prepare(`SELECT count(*) AS n FROM notes_fts WHERE notes_fts MATCH 'fresh'`).get() as { n: number }).n,
    ).toBe(1);
    db.close();
  });

  it('not a database at all → not ok, file left in place', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tml-repair-')), 'local.db');
    const fd = openSync(path, 'w');
    writeSync(fd, Buffer.from('garbage'.repeat(1000)));
    closeSync(fd);
    const r = repairDatabase(path);
    expect(r.ok).toBe(false);
    expect(existsSync(path)).toBe(true);
    // With allowReset it is set aside (never deleted) so the next open starts fresh.
    const reset = repairDatabase(path, 7, { allowReset: true });
    expect(reset).toMatchObject({ ok: true, reset: true, movedAside: `${path}.corrupt-7` });
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.corrupt-7`)).toBe(true);
  });

  it('canWrite sees a held write lock and its release', () => {
    const { path } = sampleDb();
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    expect(canWrite(path).ok).toBe(false);
    holder.exec('COMMIT');
    expect(canWrite(path).ok).toBe(true);
    holder.close();
  });
});
