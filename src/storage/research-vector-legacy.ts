/**
 * The vector layout before migration 33 (layout 1): a float vec0 table named like the set (with
 * an IVF `cluster` partition key since migration 32), `research_vector_copies` (a second copy of
 * each vector, since migration 31), `research_embedded` (which chunks have a vector) and
 * `research_ivf` (centroids). Only read to convert a set to layout 2, then dropped.
 */
import type { DB } from './db.js';

/**
 * Copies every legacy vector of `name` whose chunk still exists into `<name>_vectors`: the exact
 * copies first, then, for chunks that only have a vec0 row (vectors stored before migration 31),
 * the vec0 table's own float blob.
 */
export function copyLegacyVectors(db: DB, name: string): void {
  db.prepare(
    `INSERT OR IGNORE INTO ${name}_vectors (chunk_id, vector)
     SELECT v.chunk_id, v.vector FROM research_vector_copies v JOIN research_chunks c ON c.id = v.chunk_id
     WHERE v.vec_table = ?`,
  ).run(name);
  const count = (sql: string) => (db.prepare(sql).get(name) as { n: number }).n;
  const marked = count('SELECT count(*) AS n FROM research_embedded WHERE vec_table = ?');
  const copied = count('SELECT count(*) AS n FROM research_vector_copies WHERE vec_table = ?');
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE name = ? AND type = 'table'").get(name);
  if (exists && marked > copied) {
    db.exec(
      `INSERT OR IGNORE INTO ${name}_vectors (chunk_id, vector)
       SELECT chunk_id, embedding FROM ${name} WHERE chunk_id IN (SELECT id FROM research_chunks)`,
    );
  }
}

/** Drops the legacy tables and rows of set `name` (the registry row stays). */
export function dropLegacy(db: DB, name: string): void {
  db.exec(`DROP TRIGGER IF EXISTS ${name}_ad`);
  db.exec(`DROP TABLE IF EXISTS ${name}`);
  db.prepare('DELETE FROM research_ivf WHERE vec_table = ?').run(name);
  db.prepare('DELETE FROM research_vector_copies WHERE vec_table = ?').run(name);
  db.prepare('DELETE FROM research_embedded WHERE vec_table = ?').run(name);
}
