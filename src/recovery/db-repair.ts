import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { existsSync, renameSync, rmSync } from 'node:fs';

/** One step of a repair, as shown to the user. */
export interface RepairStep {
  name: string;
  ok: boolean;
  detail: string;
}

/** Outcome of `repairDatabase`. */
export interface RepairResult {
  ok: boolean;
  steps: RepairStep[];
  /** Where the damaged original was moved when it had to be replaced by a rebuilt copy. */
  movedAside?: string;
}

function integrity(db: Database.Database): string {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join('; ');
}

/**
 * Checks and repairs the SQLite file: integrity_check; when sound, rebuilds every FTS5 index and
 * checkpoints the WAL; when damaged, VACUUMs INTO a fresh copy, checks the copy, and only then
 * swaps it in (the original is kept beside it). Never deletes user data.
 */
export function repairDatabase(path: string, nowMs = Date.now()): RepairResult {
  const steps: RepairStep[] = [];
  if (!existsSync(path)) return { ok: true, steps: [{ name: 'open', ok: true, detail: 'no database yet; nothing to repair' }] };
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 5000 });
    sqliteVec.load(db);
  } catch (e) {
    steps.push({ name: 'open', ok: false, detail: (e as Error).message });
    return { ok: false, steps };
  }
  let movedAside: string | undefined;
  try {
    let check: string;
    try {
      check = integrity(db);
    } catch (e) {
      check = (e as Error).message;
    }
    steps.push({ name: 'integrity_check', ok: check === 'ok', detail: check.slice(0, 300) });
    if (check === 'ok') {
      const fts = db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'`)
        .all() as { name: string }[];
      for (const { name } of fts) {
        const q = `"${name.replace(/"/g, '""')}"`;
        db.prepare(`INSERT INTO ${q}(${q}) VALUES ('rebuild')`).run();
      }
      steps.push({ name: 'fts_rebuild', ok: true, detail: fts.length ? `rebuilt ${fts.map((f) => f.name).join(', ')}` : 'no FTS tables' });
      db.pragma('wal_checkpoint(TRUNCATE)');
      steps.push({ name: 'wal_checkpoint', ok: true, detail: 'WAL checkpointed' });
      return { ok: true, steps };
    }
    const copy = `${path}.rebuilt-${nowMs}`;
    try {
      db.prepare('VACUUM INTO ?').run(copy);
    } catch (e) {
      rmSync(copy, { force: true });
      steps.push({ name: 'vacuum_into', ok: false, detail: (e as Error).message });
      return { ok: false, steps };
    }
    const fresh = new Database(copy);
    let copyCheck: string;
    try {
      sqliteVec.load(fresh);
      copyCheck = integrity(fresh);
    } finally {
      fresh.close();
    }
    steps.push({ name: 'vacuum_into', ok: copyCheck === 'ok', detail: `copy ${copy}: ${copyCheck.slice(0, 200)}` });
    if (copyCheck !== 'ok') {
      rmSync(copy, { force: true });
      return { ok: false, steps };
    }
    db.close();
    movedAside = `${path}.corrupt-${nowMs}`;
    renameSync(path, movedAside);
    for (const ext of ['-wal', '-shm']) if (existsSync(path + ext)) renameSync(path + ext, movedAside + ext);
    renameSync(copy, path);
    steps.push({ name: 'swap', ok: true, detail: `damaged file kept as ${movedAside}` });
    return { ok: true, steps, movedAside };
  } finally {
    if (db.open) db.close();
  }
}

/** Whether a write lock can be taken now (false while another connection holds it). */
export function canWrite(path: string): { ok: boolean; detail: string } {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: 0 });
    db.pragma('busy_timeout = 0');
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return { ok: true, detail: 'write lock acquired and released' };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  } finally {
    db?.close();
  }
}
