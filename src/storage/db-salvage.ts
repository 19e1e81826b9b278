import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { rmSync } from 'node:fs';

/** Outcome of copying what can be read out of a damaged file. */
export interface SalvageResult {
  ok: boolean;
  /** Per table: rows copied, and the error that stopped the copy if any. */
  tables: { name: string; rows: number; error?: string }[];
  error?: string;
}

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Rebuilds a damaged SQLite file into `target` when VACUUM INTO cannot: replays the schema, copies
 * each table row by row (a table scan, so damaged indexes do not matter; a damaged table keeps the
 * rows read before the damage), then recreates indexes and triggers and rebuilds FTS indexes.
 * Virtual-table shadow tables are left to their module, which recreates them.
 */
export function salvageDatabase(source: string, target: string): SalvageResult {
  rmSync(target, { force: true });
  const tables: SalvageResult['tables'] = [];
  let src: Database.Database | undefined;
  let dst: Database.Database | undefined;
  try {
    src = new Database(source, { readonly: true, fileMustExist: true });
    sqliteVec.load(src);
    dst = new Database(target);
    sqliteVec.load(dst);
    const schema = src
      .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'`)
      .all() as SchemaRow[];
    const virtual = schema
      .filter((s) => s.type === 'table' && /^create virtual table/i.test(s.sql ?? ''))
      .map((s) => s.name);
    const isShadow = (n: string) => virtual.some((v) => n !== v && n.startsWith(`${v}_`));
    const tableRows = schema.filter((s) => s.type === 'table' && !isShadow(s.name));
    for (const t of tableRows) dst.exec(t.sql!);
    for (const t of tableRows) {
      let rows = 0;
      try {
        const virt = virtual.includes(t.name);
        // Virtual tables are read through their module; external-content FTS is rebuilt below instead.
        if (virt && /content\s*=\s*'[^']+'/i.test(t.sql ?? '')) {
          tables.push({ name: t.name, rows: 0 });
          continue;
        }
        const cols = src
          .prepare(`SELECT * FROM ${q(t.name)} LIMIT 0`)
          .columns()
          .map((c) => c.name);
        const ins = dst.prepare(
          `INSERT INTO ${q(t.name)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
        );
        dst.exec('BEGIN');
        try {
          for (const row of src
            .prepare(`SELECT * FROM ${q(t.name)}`)
            .raw()
            .iterate() as Iterable<unknown[]>) {
            ins.run(...row);
            rows++;
          }
        } finally {
          dst.exec('COMMIT');
        }
        tables.push({ name: t.name, rows });
      } catch (e) {
        tables.push({ name: t.name, rows, error: (e as Error).message });
      }
    }
    for (const s of schema.filter((x) => x.type === 'index' || x.type === 'view' || x.type === 'trigger')) {
      try {
        dst.exec(s.sql!);
      } catch (e) {
        tables.push({ name: s.name, rows: 0, error: `could not recreate ${s.type}: ${(e as Error).message}` });
      }
    }
    for (const v of virtual) {
      if (/using\s+fts5/i.test(schema.find((s) => s.name === v)?.sql ?? ''))
        dst.prepare(`INSERT INTO ${q(v)}(${q(v)}) VALUES ('rebuild')`).run();
    }
    const check = (dst.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
    return { ok: check === 'ok', tables, ...(check === 'ok' ? {} : { error: check }) };
  } catch (e) {
    return { ok: false, tables, error: (e as Error).message };
  } finally {
    src?.close();
    dst?.close();
  }
}
