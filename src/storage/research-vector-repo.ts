/**
 * SQL for the research vectors: one vector set per embedding model and dimension. A set keeps
 * each float32 vector once (`<set>_vectors`, a rowid table keyed by chunk id: a point lookup
 * reads 1.5 KiB) and sign sketches in two sqlite-vec `bit[n]` tables: `<set>_sketch` (every
 * chunk) and `<set>_probe` (every `probe_modulus`-th chunk id, a sample for estimating Hamming
 * quantiles cheaply). Sketches are computed by the caller (`SketchFn`), inside the write
 * transaction, from the set's current mean. Integer keys go to vec0 as BigInt: better-sqlite3
 * binds JS numbers as doubles, which vec0 rejects.
 */
import type { DB } from './db.js';
import { writeTx } from './db.js';
import { copyLegacyVectors, dropLegacy } from './research-vector-legacy.js';
import {
  type SetRow,
  type SketcherFor,
  type SketchFn,
  type VecSet,
  blob,
  setName,
  toFloats,
  toSet,
} from './research-vector-rows.js';

export type { SketchFn, SketcherFor, VecSet } from './research-vector-rows.js';

/** Vector sets, vectors, sketches and their kNN. */
export class ResearchVectorRepo {
  constructor(readonly db: DB) {}

  sets(): VecSet[] {
    return (this.db.prepare('SELECT * FROM research_vec_tables ORDER BY name').all() as SetRow[]).map(toSet);
  }

  set(name: string): VecSet | undefined {
    const r = this.db.prepare('SELECT * FROM research_vec_tables WHERE name = ?').get(name) as SetRow | undefined;
    return r ? toSet(r) : undefined;
  }

  /**
   * The set for (model, dimension), created (layout 3) on first use. Sets of the same model with
   * another dimension are dropped (the model changed under the same name), so dimensions never
   * mix. A set of layout 1 or 2 is returned as it is: the caller converts it (convertLegacy, convertProbe).
   */
  ensureSet(model: string, dimension: number, sketchBits: number): { set: VecSet; droppedDimension?: number } {
    const found = this.sets().find((t) => t.model === model && t.dimension === dimension);
    if (found) return { set: found };
    return writeTx(this.db, () => {
      const again = this.sets().find((t) => t.model === model && t.dimension === dimension);
      if (again) return { set: again };
      let droppedDimension: number | undefined;
      for (const old of this.sets().filter((t) => t.model === model)) {
        droppedDimension = old.dimension;
        this.dropSet(old);
      }
      const name = setName(model, dimension);
      this.createTables(name, sketchBits);
      this.db
        .prepare(
          'INSERT INTO research_vec_tables (name, model, dimension, quantized, partitioned, layout, sketch_bits) VALUES (?, ?, ?, 1, 0, 3, ?)',
        )
        .run(name, model, dimension, sketchBits);
      return { set: this.set(name)!, droppedDimension };
    });
  }

  private createTables(name: string, bits: number): void {
    this.db.exec(`
      CREATE TABLE ${name}_vectors (
        chunk_id INTEGER PRIMARY KEY REFERENCES research_chunks(id) ON DELETE CASCADE,
        vector BLOB NOT NULL);
      CREATE VIRTUAL TABLE ${name}_sketch USING vec0(chunk_id integer primary key, sketch bit[${bits}]);
      CREATE TABLE ${name}_probe (chunk_id INTEGER PRIMARY KEY, sketch BLOB NOT NULL);
      CREATE TRIGGER ${name}_vectors_ai AFTER INSERT ON ${name}_vectors BEGIN
        UPDATE research_vec_tables SET vectors = vectors + 1 WHERE name = '${name}'; END;
      CREATE TRIGGER ${name}_vectors_ad AFTER DELETE ON ${name}_vectors BEGIN
        DELETE FROM ${name}_sketch WHERE chunk_id = old.chunk_id;
        DELETE FROM ${name}_probe WHERE chunk_id = old.chunk_id;
        UPDATE research_vec_tables SET vectors = vectors - 1,
          probe_rows = probe_rows - (old.chunk_id % probe_modulus = 0) WHERE name = '${name}'; END;`);
  }

  private dropSketchTables(name: string): void {
    this.db.exec(`DROP TABLE IF EXISTS ${name}_sketch; DROP TABLE IF EXISTS ${name}_probe;`);
  }

  private dropSet(set: VecSet): void {
    if (set.layout === 1) dropLegacy(this.db, set.name);
    this.db.exec(`DROP TRIGGER IF EXISTS ${set.name}_vectors_ai; DROP TRIGGER IF EXISTS ${set.name}_vectors_ad;`);
    this.dropSketchTables(set.name);
    this.db.exec(`DROP TABLE IF EXISTS ${set.name}_vectors`);
    this.db.prepare('DELETE FROM research_vec_tables WHERE name = ?').run(set.name);
  }

  /**
   * Stores vectors (each with the set's dimension) and their sketches, idempotently: a chunk that
   * already has a vector, or no longer exists, is skipped. Clears the chunks' embedding claims.
   * Returns how many vectors were inserted.
   */
  insertVectors(
    set: VecSet,
    rows: readonly { chunkId: number; vector: Float32Array }[],
    sketchFor: SketcherFor,
  ): number {
    for (const r of rows) {
      if (r.vector.length !== set.dimension) {
        throw new Error(`vector of dimension ${r.vector.length} for a set of dimension ${set.dimension}`);
      }
    }
    const alive = this.db.prepare('SELECT 1 FROM research_chunks WHERE id = ?');
    const insVector = this.db.prepare(`INSERT OR IGNORE INTO ${set.name}_vectors (chunk_id, vector) VALUES (?, ?)`);
    const insSketch = this.db.prepare(`INSERT INTO ${set.name}_sketch (chunk_id, sketch) VALUES (?, vec_bit(?))`);
    const insProbe = this.db.prepare(`INSERT INTO ${set.name}_probe (chunk_id, sketch) VALUES (?, ?)`);
    const unclaim = this.db.prepare('DELETE FROM research_embed_claims WHERE chunk_id = ?');
    return writeTx(this.db, () => {
      // the mean and probe modulus are read inside the transaction: another process may have
      // calibrated the set since the caller looked
      const now = this.set(set.name);
      if (!now) throw new Error(`vector set ${set.name} was dropped`);
      const sketch = sketchFor(now.mean);
      let inserted = 0;
      let probed = 0;
      for (const r of rows) {
        if (!alive.get(r.chunkId)) continue;
        unclaim.run(r.chunkId);
        if (insVector.run(r.chunkId, blob(r.vector)).changes !== 1) continue;
        const s = blob(sketch(r.vector));
        insSketch.run(BigInt(r.chunkId), s);
        if (r.chunkId % now.probeModulus === 0) {
          insProbe.run(BigInt(r.chunkId), s);
          probed++;
        }
        inserted++;
      }
      if (probed)
        this.db
          .prepare('UPDATE research_vec_tables SET probe_rows = probe_rows + ? WHERE name = ?')
          .run(probed, set.name);
      return inserted;
    });
  }

  /** Nearest sketches by Hamming distance, at most `k`, optionally only those within `maxDistance`. */
  candidates(set: VecSet, sketch: Uint8Array, k: number, maxDistance?: number): { id: number; distance: number }[] {
    if (k <= 0) return [];
    const q = blob(sketch);
    if (maxDistance === undefined)
      return this.db
        .prepare(`SELECT chunk_id AS id, distance FROM ${set.name}_sketch WHERE sketch MATCH vec_bit(?) AND k = ?`)
        .all(q, k) as { id: number; distance: number }[];
    return this.db
      .prepare(
        `SELECT chunk_id AS id, distance FROM ${set.name}_sketch WHERE sketch MATCH vec_bit(?) AND k = ? AND distance <= ?`,
      )
      .all(q, k, maxDistance) as { id: number; distance: number }[];
  }

  /**
   * Both stages in one statement: the sketches within Hamming distance `radius` of `sketch` (at
   * most `limit`, nearest first) are the candidates, and their stored vectors are ranked by exact
   * cosine distance to `query` (at most `k`, nearest first). `candidates` says how many sketches
   * passed, so the caller can widen a radius that let too few through.
   */
  nearestWithin(
    set: VecSet,
    query: Float32Array,
    sketch: Uint8Array,
    radius: number,
    limit: number,
    k: number,
  ): { hits: { id: number; distance: number }[]; candidates: number } {
    const rows = this.db
      .prepare(
        `WITH c AS MATERIALIZED (
           SELECT chunk_id FROM ${set.name}_sketch WHERE sketch MATCH vec_bit(?) AND k = ? AND distance <= ?)
         SELECT v.chunk_id AS id, coalesce(vec_distance_cosine(v.vector, ?), 1.0) AS distance,
           (SELECT count(*) FROM c) AS n
         FROM c JOIN ${set.name}_vectors v ON v.chunk_id = c.chunk_id ORDER BY distance, id LIMIT ?`,
      )
      .all(blob(sketch), limit, radius, blob(query), k) as { id: number; distance: number; n: number }[];
    return { hits: rows.map((r) => ({ id: r.id, distance: r.distance })), candidates: rows[0]?.n ?? 0 };
  }

  /**
   * Every sketch of the probe sample, concatenated (probe rows × sketchBits/8 bytes): the caller
   * computes the query's Hamming distances to all of them (a few thousand) itself, which is
   * cheaper than a vec0 top-k query and gives every quantile at once.
   */
  probeSketches(set: VecSet): Uint8Array {
    const rows = this.db.prepare(`SELECT sketch FROM ${set.name}_probe`).pluck().all() as Buffer[];
    return Buffer.concat(rows);
  }

  /** The stored vectors of the given chunks (chunks without one are absent). */
  vectorsOf(set: VecSet, ids: readonly number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    if (!ids.length) return out;
    const rows = this.db
      .prepare(
        `SELECT chunk_id AS id, vector FROM ${set.name}_vectors WHERE chunk_id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(ids)) as { id: number; vector: Buffer }[];
    for (const r of rows) out.set(r.id, toFloats(r.vector));
    return out;
  }

  /**
   * Exact cosine distances (sqlite-vec's vec_distance_cosine over the stored float vectors; 1 for
   * a zero vector) of the given chunks, or of every chunk without `ids`, nearest first, at most `k`.
   */
  nearest(set: VecSet, query: Float32Array, k: number, ids?: readonly number[]): { id: number; distance: number }[] {
    const dist = `coalesce(vec_distance_cosine(vector, ?), 1.0) AS distance`;
    if (!ids)
      return this.db
        .prepare(`SELECT chunk_id AS id, ${dist} FROM ${set.name}_vectors ORDER BY distance, id LIMIT ?`)
        .all(blob(query), k) as { id: number; distance: number }[];
    if (!ids.length) return [];
    return this.db
      .prepare(
        `SELECT chunk_id AS id, ${dist} FROM ${set.name}_vectors
         WHERE chunk_id IN (SELECT value FROM json_each(?)) ORDER BY distance, id LIMIT ?`,
      )
      .all(blob(query), JSON.stringify(ids), k) as { id: number; distance: number }[];
  }

  /** A page of stored vectors in chunk-id order, after `afterId`: for exact scans and rebuilds. */
  vectorPage(set: VecSet, afterId: number, limit: number): { id: number; vector: Float32Array }[] {
    return (
      this.db
        .prepare(`SELECT chunk_id AS id, vector FROM ${set.name}_vectors WHERE chunk_id > ? ORDER BY chunk_id LIMIT ?`)
        .all(afterId, limit) as { id: number; vector: Buffer }[]
    ).map((r) => ({ id: r.id, vector: toFloats(r.vector) }));
  }

  // Vectors of every `step`-th chunk id, by point lookups (a `chunk_id % step` filter would read
  // every page of the table).
  private everyNth(set: VecSet, step: number, limit = -1): { id: number; vector: Buffer }[] {
    const max = (this.db.prepare(`SELECT max(chunk_id) AS m FROM ${set.name}_vectors`).get() as { m: number | null }).m;
    if (!max) return [];
    return this.db
      .prepare(
        `WITH RECURSIVE ids(i) AS (SELECT ? UNION ALL SELECT i + ? FROM ids WHERE i + ? <= ?)
         SELECT v.chunk_id AS id, v.vector FROM ids JOIN ${set.name}_vectors v ON v.chunk_id = ids.i LIMIT ?`,
      )
      .all(step, step, step, max, limit) as { id: number; vector: Buffer }[];
  }

  /** About `n` stored vectors spread over the whole set (every ⌈count/n⌉-th chunk id). */
  sample(set: VecSet, n: number): Float32Array[] {
    const step = Math.max(1, Math.ceil(set.vectors / Math.max(1, n)));
    return this.everyNth(set, step, n).map((r) => Float32Array.from(toFloats(r.vector)));
  }

  /** Rebuilds the probe sample with a new modulus (every `modulus`-th chunk id), in one transaction. */
  rebuildProbe(set: VecSet, modulus: number, sketchFor: SketcherFor): void {
    writeTx(this.db, () => {
      const now = this.set(set.name);
      if (now?.layout !== 3) return;
      this.db.exec(`DROP TABLE IF EXISTS ${now.name}_probe;
        CREATE TABLE ${now.name}_probe (chunk_id INTEGER PRIMARY KEY, sketch BLOB NOT NULL);`);
      const ins = this.db.prepare(`INSERT INTO ${now.name}_probe (chunk_id, sketch) VALUES (?, ?)`);
      const sketch = sketchFor(now.mean);
      const rows = this.everyNth(now, modulus);
      for (const r of rows) ins.run(BigInt(r.id), blob(sketch(toFloats(r.vector))));
      this.db
        .prepare('UPDATE research_vec_tables SET probe_modulus = ?, probe_rows = ? WHERE name = ?')
        .run(modulus, rows.length, now.name);
    });
  }

  /**
   * Recomputes every sketch (and the probe sample) with a new mean and probe modulus, in one
   * transaction. `plan` sees the set as it is inside the transaction and may decline (null).
   */
  rebuildSketches(
    set: VecSet,
    plan: (now: VecSet) => { mean: Float32Array | null; modulus: number; sketchFor: SketcherFor } | null,
  ): boolean {
    return writeTx(this.db, () => {
      const now = this.set(set.name);
      const p = now && now.layout === 3 ? plan(now) : null;
      if (!now || !p) return false;
      this.dropSketchTables(now.name);
      this.db.exec(`
        CREATE VIRTUAL TABLE ${now.name}_sketch USING vec0(chunk_id integer primary key, sketch bit[${now.sketchBits}]);
        CREATE TABLE ${now.name}_probe (chunk_id INTEGER PRIMARY KEY, sketch BLOB NOT NULL);`);
      const probeRows = this.writeSketches(now.name, p.modulus, p.sketchFor(p.mean), (after) =>
        this.vectorPage(now, after, 2048),
      );
      this.db
        .prepare('UPDATE research_vec_tables SET mean = ?, probe_modulus = ?, probe_rows = ? WHERE name = ?')
        .run(p.mean ? blob(p.mean) : null, p.modulus, probeRows, now.name);
      return true;
    });
  }

  // Sketches every vector the pager yields into the sketch (and, every modulus-th id, probe) table.
  private writeSketches(
    name: string,
    modulus: number,
    sketch: SketchFn,
    page: (afterId: number) => { id: number; vector: Float32Array }[],
  ): number {
    const insSketch = this.db.prepare(`INSERT INTO ${name}_sketch (chunk_id, sketch) VALUES (?, vec_bit(?))`);
    const insProbe = this.db.prepare(`INSERT INTO ${name}_probe (chunk_id, sketch) VALUES (?, ?)`);
    let probeRows = 0;
    for (let after = 0; ; ) {
      const rows = page(after);
      if (!rows.length) break;
      for (const r of rows) {
        const s = blob(sketch(r.vector));
        insSketch.run(BigInt(r.id), s);
        if (r.id % modulus === 0) {
          insProbe.run(BigInt(r.id), s);
          probeRows++;
        }
      }
      after = rows[rows.length - 1]!.id;
    }
    return probeRows;
  }

  /**
   * Converts a layout-2 set to layout 3: its probe sample moves, row for row, from a vec0 table
   * (whose rows are slow to read whole: ~6 µs each) to a plain table, in one transaction.
   */
  convertProbe(set: VecSet): VecSet {
    return writeTx(this.db, () => {
      const now = this.set(set.name);
      if (!now) throw new Error(`vector set ${set.name} was dropped`);
      if (now.layout !== 2) return now;
      this.db.exec(`
        CREATE TEMP TABLE probe_move AS SELECT chunk_id, sketch FROM ${now.name}_probe;
        DROP TABLE ${now.name}_probe;
        CREATE TABLE ${now.name}_probe (chunk_id INTEGER PRIMARY KEY, sketch BLOB NOT NULL);
        INSERT INTO ${now.name}_probe (chunk_id, sketch) SELECT chunk_id, sketch FROM temp.probe_move;
        DROP TABLE temp.probe_move;`);
      this.db.prepare('UPDATE research_vec_tables SET layout = 3 WHERE name = ?').run(now.name);
      return this.set(now.name)!;
    });
  }

  /**
   * Converts a layout-1 set (float vec0 table, IVF centroids, a copy of each vector) to layout 3
   * in one transaction: every vector moves (from its exact copy, else from the vec0 table), then
   * the old tables and rows go. Nothing is lost: the transaction commits whole or not at all.
   * `plan` gets a sample of the vectors and their count and returns the mean and probe modulus.
   */
  convertLegacy(
    set: VecSet,
    sketchBits: number,
    plan: (
      sample: Float32Array[],
      count: number,
    ) => { mean: Float32Array | null; modulus: number; sketchFor: SketcherFor },
  ): { set: VecSet; converted: number } {
    return writeTx(this.db, () => {
      const now = this.set(set.name);
      if (!now) throw new Error(`vector set ${set.name} was dropped`);
      if (now.layout !== 1) return { set: now, converted: 0 };
      this.createTables(now.name, sketchBits);
      copyLegacyVectors(this.db, now.name);
      dropLegacy(this.db, now.name);
      const moved = this.set(now.name)!;
      const p = plan(this.sample(moved, 4096), moved.vectors);
      const probeRows = this.writeSketches(now.name, p.modulus, p.sketchFor(p.mean), (after) =>
        this.vectorPage(moved, after, 2048),
      );
      this.db
        .prepare(
          `UPDATE research_vec_tables SET layout = 3, quantized = 1, partitioned = 0, sketch_bits = ?, mean = ?,
             probe_modulus = ?, probe_rows = ? WHERE name = ?`,
        )
        .run(sketchBits, p.mean ? blob(p.mean) : null, p.modulus, probeRows, now.name);
      return { set: this.set(now.name)!, converted: moved.vectors };
    });
  }
}
