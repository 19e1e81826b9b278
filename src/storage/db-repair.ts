import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { salvageDatabase } from './db-salvage.js';

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
  /** True when nothing could be salvaged and the file was set aside for a fresh start. */
  reset?: boolean;
}

/** `PRAGMA quick_check` of an open connection ('ok' when sound). */
export function quickCheck(db: Database.Database): string {
  try {
    return (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).join('; ');
  } catch (e) {
    return (e as Error).message;
  }
}

function integrity(db: Database.Database): string {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join('; ');
}

/**
 * Checks and repairs the SQLite file: integrity_check; when sound, rebuilds every FTS5 index and
 * checkpoints the WAL; when damaged, VACUUMs INTO a fresh copy (or salvages row by row when VACUUM
 * cannot read it), checks the copy, and only then swaps it in (the original is kept beside it). Never deletes user data.
 */
export function repairDatabase(path: string, nowMs = Date.now(), opts: { allowReset?: boolean } = {}): RepairResult {
  const steps: RepairStep[] = [];
  if (!existsSync(path))
    return { ok: true, steps: [{ name: 'open', ok: true, detail: 'no database yet; nothing to repair' }] };
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 5000 });
    sqliteVec.load(db);
  } catch (e) {
    steps.push({ name: 'open', ok: false, detail: (e as Error).message });
    if (!opts.allowReset) return { ok: false, steps };
    const aside = setAside(path, nowMs);
    steps.push({
      name: 'reset',
      ok: true,
      detail: `unreadable; kept as ${aside}; a fresh database is created on next use (tasks.json is not affected)`,
    });
    return { ok: true, steps, movedAside: aside, reset: true };
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
      steps.push({
        name: 'fts_rebuild',
        ok: true,
        detail: fts.length ? `rebuilt ${fts.map((f) => f.name).join(', ')}` : 'no FTS tables',
      });
      db.pragma('wal_checkpoint(TRUNCATE)');
      steps.push({ name: 'wal_checkpoint', ok: true, detail: 'WAL checkpointed' });
      return { ok: true, steps };
    }
    const copy = `${path}.rebuilt-${nowMs}`;
    let copied = false;
    try {
      db.prepare('VACUUM INTO ?').run(copy);
      copied = integrityOf(copy) === 'ok';
      steps.push({ name: 'vacuum_into', ok: copied, detail: copied ? `copy ${copy}: ok` : 'the copy is not sound' });
    } catch (e) {
      steps.push({ name: 'vacuum_into', ok: false, detail: (e as Error).message });
    }
    if (!copied) {
      // VACUUM reads through damaged indexes; a row-by-row salvage only needs the tables.
      const s = salvageDatabase(path, copy);
      const lost = s.tables.filter((t) => t.error);
      steps.push({
        name: 'salvage',
        ok: s.ok,
        detail:
          `${s.tables.filter((t) => !t.error).length} object(s) copied` +
          (lost.length
            ? `; problems: ${lost.map((t) => `${t.name} (${t.rows} rows kept): ${t.error}`).join('; ')}`
            : '') +
          (s.error ? `; ${s.error}` : ''),
      });
      if (!s.ok) {
        rmSync(copy, { force: true });
        if (!opts.allowReset) return { ok: false, steps };
        // Nothing readable: keep the file aside (never deleted) and let the next open start fresh.
        db.close();
        movedAside = setAside(path, nowMs);
        steps.push({
          name: 'reset',
          ok: true,
          detail: `unreadable; kept as ${movedAside}; a fresh database is created on next use (tasks.json is not affected)`,
        });
        return { ok: true, steps, movedAside, reset: true };
      }
    }
    db.close();
    movedAside = setAside(path, nowMs);
    renameSync(copy, path);
    steps.push({ name: 'swap', ok: true, detail: `damaged file kept as ${movedAside}` });
    return { ok: true, steps, movedAside };
  } finally {
    if (db.open) db.close();
  }
}

/** Renames the file (and its WAL/SHM) to `<path>.corrupt-<ms>`; returns the new name. */
function setAside(path: string, nowMs: number): string {
  const aside = `${path}.corrupt-${nowMs}`;
  renameSync(path, aside);
  for (const ext of ['-wal', '-shm']) if (existsSync(path + ext)) renameSync(path + ext, aside + ext);
  return aside;
}

function integrityOf(path: string): string {
  const d = new Database(path);
  try {
    sqliteVec.load(d);
    return integrity(d);
  } finally {
    d.close();
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
