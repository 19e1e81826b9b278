/**
 * The vector side of the research knowledge base: one sqlite-vec vec0 table per embedding model
 * and dimension, exact vector copies, IVF partitions, kNN. Integer keys go to vec0 as BigInt:
 * better-sqlite3 binds JS numbers as doubles, which vec0 rejects.
 */
import type { DB } from './db.js';
import { writeTx } from './db.js';
import { sha256 } from '../research/text.js';
import {
  clusterCount,
  nearestCluster,
  nearestClusters,
  probeCount,
  trainCentroids,
  type Centroids,
} from '../research/ivf.js';
import type { ChunkRow } from './research-repo.js';

/** A vec0 table registered for one embedding model and dimension. */
export interface VecTable {
  name: string;
  model: string;
  dimension: number;
  /** Reserved for a quantized pre-filter copy; always false (see docs/research.md, "Search speed"). */
  quantized: boolean;
  /** Whether the table has a `cluster` partition key (IVF); tables from before migration 32 do not. */
  partitioned: boolean;
}

/** Tables smaller than this are scanned exactly (~4 ms at 10k); at this size IVF centroids are built. */
export const IVF_MIN_ROWS = 20_000;

function vecName(model: string, dimension: number): string {
  const slug = model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40);
  return `research_vec_${slug}_${sha256(model).slice(0, 8)}_${dimension}`;
}

// A Float32Array view needs 4-byte alignment; the rare unaligned buffer is copied.
function toFloats(b: Buffer): Float32Array {
  if (b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  return new Float32Array(new Uint8Array(b).buffer);
}

function blob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Vector tables, vector copies, IVF partitions and kNN (base of ResearchRepo). */
export class ResearchVectorRepo {
  private ivfCache = new Map<string, Centroids | null>();

  constructor(readonly db: DB) {}

  vecTables(): VecTable[] {
    const rows = this.db
      .prepare('SELECT name, model, dimension, quantized, partitioned FROM research_vec_tables')
      .all() as {
      name: string;
      model: string;
      dimension: number;
      quantized: number;
      partitioned: number;
    }[];
    return rows.map((r) => ({ ...r, quantized: r.quantized === 1, partitioned: r.partitioned === 1 }));
  }

  /**
   * The vec0 table for (model, dimension), created on first use. A table of the same model with
   * another dimension is dropped (the model changed under the same name), so dimensions never mix.
   */
  ensureVecTable(model: string, dimension: number): { table: VecTable; droppedDimension?: number } {
    const found = this.vecTables().find((t) => t.model === model && t.dimension === dimension);
    if (found) return { table: found };
    return writeTx(this.db, () => {
      let droppedDimension: number | undefined;
      for (const old of this.vecTables().filter((t) => t.model === model)) {
        droppedDimension = old.dimension;
        this.dropVecTable(old.name);
      }
      const name = vecName(model, dimension);
      // Exact kNN only: binary and low-dimensional pre-filters were measured and lost too much
      // recall on the offline embedder's sparse vectors (docs/research.md, "Search speed").
      const quantized = false;
      this.createVec0(name, dimension);
      this.db.exec(`CREATE TRIGGER ${name}_ad AFTER DELETE ON research_chunks BEGIN
        DELETE FROM ${name} WHERE chunk_id = old.id; END`);
      this.db
        .prepare(
          'INSERT INTO research_vec_tables (name, model, dimension, quantized, partitioned) VALUES (?, ?, ?, ?, 1)',
        )
        .run(name, model, dimension, quantized ? 1 : 0);
      this.ivfCache.delete(name);
      return { table: { name, model, dimension, quantized, partitioned: true }, droppedDimension };
    });
  }

  private createVec0(name: string, dimension: number): void {
    this.db.exec(`CREATE VIRTUAL TABLE ${name} USING vec0(
      chunk_id integer primary key, cluster integer partition key, source_id integer,
      embedding float[${dimension}] distance_metric=cosine)`);
  }

  private dropVecTable(name: string): void {
    this.db.exec(`DROP TRIGGER IF EXISTS ${name}_ad`);
    this.db.exec(`DROP TABLE IF EXISTS ${name}`);
    this.db.prepare('DELETE FROM research_vec_tables WHERE name = ?').run(name);
  }

  /** Number of chunks that have a vector in `table`. */
  embeddedCount(table: VecTable): number {
    return (
      this.db.prepare('SELECT count(*) AS n FROM research_embedded WHERE vec_table = ?').get(table.name) as {
        n: number;
      }
    ).n;
  }

  /** Chunks with no vector in `table` yet (what a lazy re-embed must fill), oldest first. */
  pendingChunks(table: VecTable, limit = 1_000_000): ChunkRow[] {
    return this.db
      .prepare(
        `SELECT c.*, s.source FROM research_chunks c JOIN research_sources s ON s.id = c.source_id
         WHERE NOT EXISTS (SELECT 1 FROM research_embedded e WHERE e.vec_table = ? AND e.chunk_id = c.id)
         ORDER BY c.id LIMIT ?`,
      )
      .all(table.name, limit) as ChunkRow[];
  }

  /** Stores vectors for chunks; every vector must have the table's dimension. */
  insertVectors(table: VecTable, rows: readonly { chunkId: number; sourceId: number; vector: Float32Array }[]): void {
    for (const r of rows) {
      if (r.vector.length !== table.dimension) {
        throw new Error(`vector of dimension ${r.vector.length} for table of dimension ${table.dimension}`);
      }
    }
    const ins = this.db.prepare(
      table.partitioned
        ? `INSERT OR REPLACE INTO ${table.name} (chunk_id, source_id, embedding, cluster) VALUES (?, ?, ?, ?)`
        : `INSERT OR REPLACE INTO ${table.name} (chunk_id, source_id, embedding) VALUES (?, ?, ?)`,
    );
    const ivf = table.partitioned ? this.ivf(table) : undefined;
    const mark = this.db.prepare('INSERT OR IGNORE INTO research_embedded (vec_table, chunk_id) VALUES (?, ?)');
    const copy = this.db.prepare(
      'INSERT OR REPLACE INTO research_vector_copies (vec_table, chunk_id, vector) VALUES (?, ?, ?)',
    );
    writeTx(this.db, () => {
      for (const r of rows) {
        // a chunk deleted while its batch was being embedded is skipped, not resurrected
        if (!this.db.prepare('SELECT 1 FROM research_chunks WHERE id = ?').get(r.chunkId)) continue;
        const b = blob(r.vector);
        if (table.partitioned)
          ins.run(BigInt(r.chunkId), BigInt(r.sourceId), b, BigInt(ivf ? nearestCluster(ivf, r.vector) : 0));
        else ins.run(BigInt(r.chunkId), BigInt(r.sourceId), b);
        mark.run(table.name, r.chunkId);
        copy.run(table.name, r.chunkId, b);
      }
    });
  }

  /**
   * k nearest chunks by cosine distance: vec0 kNN (with the source_id metadata filter for one
   * source), a scan of the vector copies for several sources, or, once a table has IVF
   * centroids, kNN within the partitions of the query's nearest centroids (approximate).
   */
  knn(table: VecTable, query: Float32Array, k: number, opts: { sourceIds?: number[] } = {}) {
    const q = blob(query);
    const ids = opts.sourceIds;
    if (ids && ids.length === 1) {
      return this.db
        .prepare(
          `SELECT chunk_id AS id, distance FROM ${table.name} WHERE embedding MATCH ? AND k = ? AND source_id = ?`,
        )
        .all(q, k, BigInt(ids[0]!)) as { id: number; distance: number }[];
    }
    if (ids) {
      if (!ids.length) return [];
      const cand = this.db
        .prepare(
          `SELECT e.chunk_id AS id FROM research_embedded e JOIN research_chunks c ON c.id = e.chunk_id
           WHERE e.vec_table = ? AND c.source_id IN (SELECT value FROM json_each(?))`,
        )
        .all(table.name, JSON.stringify(ids)) as { id: number }[];
      return this.distances(
        table,
        query,
        cand.map((c) => c.id),
      )
        .sort((a, b) => a.distance - b.distance)
        .slice(0, k);
    }
    const ivf = table.partitioned ? this.ivf(table) : undefined;
    if (ivf) {
      const st = this.db.prepare(
        `SELECT chunk_id AS id, distance FROM ${table.name} WHERE embedding MATCH ? AND k = ? AND cluster = ?`,
      );
      const hits = nearestClusters(ivf, query, probeCount(ivf.clusters)).flatMap(
        (c) => st.all(q, k, BigInt(c)) as { id: number; distance: number }[],
      );
      return hits.sort((a, b) => a.distance - b.distance).slice(0, k);
    }
    return this.db
      .prepare(`SELECT chunk_id AS id, distance FROM ${table.name} WHERE embedding MATCH ? AND k = ?`)
      .all(q, k) as { id: number; distance: number }[];
  }

  /** The table's IVF centroids, if built. */
  ivf(table: VecTable): Centroids | undefined {
    if (!this.ivfCache.has(table.name)) {
      const r = this.db
        .prepare('SELECT clusters, dimension, centroids FROM research_ivf WHERE vec_table = ?')
        .get(table.name) as { clusters: number; dimension: number; centroids: Buffer } | undefined;
      const data = r ? new Float32Array(Uint8Array.from(r.centroids).buffer) : undefined;
      this.ivfCache.set(table.name, r && data ? { clusters: r.clusters, dimension: r.dimension, data } : null);
    }
    return this.ivfCache.get(table.name) ?? undefined;
  }

  /**
   * Builds (or, after 4× growth, rebuilds) IVF centroids for a partitioned table of at least
   * IVF_MIN_ROWS vectors and moves every vector to its cluster's partition, in one transaction.
   * Returns whether it built. Deterministic: same vectors, same partitions.
   */
  maybeBuildIvf(table: VecTable, minRows = IVF_MIN_ROWS): boolean {
    if (!table.partitioned) return false;
    const rows = this.embeddedCount(table);
    const built = this.db.prepare('SELECT built_rows FROM research_ivf WHERE vec_table = ?').get(table.name) as
      | { built_rows: number }
      | undefined;
    if (rows < minRows || (built && rows < built.built_rows * 4)) return false;
    const step = Math.max(1, Math.floor(rows / 8000));
    const sample = (
      this.db
        .prepare(
          'SELECT vector FROM research_vector_copies WHERE vec_table = ? AND chunk_id % ? = 0 ORDER BY chunk_id LIMIT 8000',
        )
        .all(table.name, step) as { vector: Buffer }[]
    ).map((r) => toFloats(r.vector));
    const c = trainCentroids(sample, clusterCount(rows));
    writeTx(this.db, () => {
      // recreating is much faster than deleting every row of a vec0 table (the trigger on
      // research_chunks names the table in its body, so it keeps working)
      this.db.exec(`DROP TABLE ${table.name}`);
      this.createVec0(table.name, table.dimension);
      const ins = this.db.prepare(
        `INSERT INTO ${table.name} (chunk_id, source_id, embedding, cluster) VALUES (?, ?, ?, ?)`,
      );
      const page = this.db.prepare(
        `SELECT v.chunk_id AS id, v.vector, c.source_id FROM research_vector_copies v JOIN research_chunks c ON c.id = v.chunk_id
         WHERE v.vec_table = ? AND v.chunk_id > ? ORDER BY v.chunk_id LIMIT 4096`,
      );
      // Pass 1 assigns clusters; pass 2 inserts cluster by cluster, so each partition's vec0
      // chunks fill in sequence (inserting in id order, across partitions, is ~3× slower).
      const members: { id: number; source: number }[][] = Array.from({ length: c.clusters }, () => []);
      for (let last = 0; ; ) {
        const got = page.all(table.name, last) as { id: number; vector: Buffer; source_id: number }[];
        if (!got.length) break;
        for (const r of got) members[nearestCluster(c, toFloats(r.vector))]!.push({ id: r.id, source: r.source_id });
        last = got[got.length - 1]!.id;
      }
      const vec = this.db.prepare('SELECT vector FROM research_vector_copies WHERE vec_table = ? AND chunk_id = ?');
      members.forEach((list, cluster) => {
        for (const m of list) {
          const { vector } = vec.get(table.name, m.id) as { vector: Buffer };
          ins.run(BigInt(m.id), BigInt(m.source), vector, BigInt(cluster));
        }
      });
      this.db
        .prepare(
          'INSERT OR REPLACE INTO research_ivf (vec_table, clusters, dimension, centroids, built_rows) VALUES (?, ?, ?, ?, ?)',
        )
        .run(table.name, c.clusters, c.dimension, blob(c.data), rows);
    });
    this.ivfCache.set(table.name, c);
    return true;
  }

  /** Exact cosine distances of the given chunks to `query` (chunks without a vector are absent). */
  distances(table: VecTable, query: Float32Array, ids: readonly number[]): { id: number; distance: number }[] {
    if (!ids.length) return [];
    const rows = this.db
      .prepare(
        `SELECT chunk_id AS id, vector FROM research_vector_copies
         WHERE vec_table = ? AND chunk_id IN (SELECT value FROM json_each(?))`,
      )
      .all(table.name, JSON.stringify(ids)) as { id: number; vector: Buffer }[];
    let qn = 0;
    for (const x of query) qn += x * x;
    return rows.map((r) => {
      const v = toFloats(r.vector);
      let dot = 0;
      let vn = 0;
      for (let i = 0; i < v.length; i++) {
        dot += v[i]! * query[i]!;
        vn += v[i]! * v[i]!;
      }
      const denom = Math.sqrt(qn * vn);
      return { id: r.id, distance: denom > 0 ? 1 - dot / denom : 1 };
    });
  }
}
