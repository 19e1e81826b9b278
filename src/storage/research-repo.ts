/**
 * All SQL of the research knowledge base: sources and chunks (FTS5 kept in step by triggers),
 * one sqlite-vec vec0 table per embedding model and dimension, vector and BM25 search.
 * Integer keys go to vec0 as BigInt: better-sqlite3 binds JS numbers as doubles, which vec0 rejects.
 */
import type { DB } from './db.js';
import { writeTx } from './db.js';
import { sha256 } from '../research/text.js';

/** A knowledge-base source: a file path relative to the project root, or `note:<title>`. */
export interface SourceRow {
  id: number;
  source: string;
  kind: 'file' | 'note';
  title: string | null;
  hash: string;
  bytes: number;
  chunk_count: number;
  added_at: string;
  updated_at: string;
}

/** A chunk as stored, joined with its source name. */
export interface ChunkRow {
  id: number;
  source_id: number;
  source: string;
  ord: number;
  start_line: number;
  end_line: number;
  heading: string;
  text: string;
}

/** A vec0 table registered for one embedding model and dimension. */
export interface VecTable {
  name: string;
  model: string;
  dimension: number;
  /** Reserved for a quantized pre-filter copy; always false (see docs/research.md, "Search speed"). */
  quantized: boolean;
}

export interface NewChunk {
  ord: number;
  startLine: number;
  endLine: number;
  heading: string;
  text: string;
}

function vecName(model: string, dimension: number): string {
  const slug = model.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40);
  return `research_vec_${slug}_${sha256(model).slice(0, 8)}_${dimension}`;
}

function blob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Repository for research sources, chunks, vectors and full-text search. */
export class ResearchRepo {
  constructor(readonly db: DB) {}

  getSource(source: string): SourceRow | undefined {
    return this.db.prepare('SELECT * FROM research_sources WHERE source = ?').get(source) as SourceRow | undefined;
  }

  listSources(): SourceRow[] {
    return this.db.prepare('SELECT * FROM research_sources ORDER BY source').all() as SourceRow[];
  }

  /** Ids of sources equal to `filter` or below it as a directory (`docs` matches `docs/a.md`). */
  sourceIds(filter: string): number[] {
    const f = filter.replace(/\/+$/, '');
    const rows = this.db
      .prepare(`SELECT id FROM research_sources WHERE source = ? OR substr(source, 1, length(?) + 1) = ? || '/'`)
      .all(f, f, f) as { id: number }[];
    return rows.map((r) => r.id);
  }

  /** Changes whenever chunks are added or removed (count and highest id), cheap to read. */
  chunkStamp(): string {
    const r = this.db.prepare('SELECT count(*) AS n, max(id) AS m FROM research_chunks').get() as { n: number; m: number | null };
    return `${r.n}:${r.m ?? 0}`;
  }

  countChunks(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM research_chunks').get() as { n: number }).n;
  }

  /**
   * Inserts or replaces a source and all its chunks in one transaction (old chunks, their FTS
   * rows and vectors go through the delete triggers). Returns the new chunk ids.
   */
  replaceSource(
    s: { source: string; kind: 'file' | 'note'; title?: string; hash: string; bytes: number },
    chunks: readonly NewChunk[],
  ): { sourceId: number; chunkIds: number[] } {
    return writeTx(this.db, () => {
      const now = new Date().toISOString();
      const existing = this.getSource(s.source);
      let sourceId: number;
      if (existing) {
        sourceId = existing.id;
        this.db.prepare('DELETE FROM research_chunks WHERE source_id = ?').run(sourceId);
        this.db
          .prepare('UPDATE research_sources SET kind = ?, title = ?, hash = ?, bytes = ?, chunk_count = ?, updated_at = ? WHERE id = ?')
          .run(s.kind, s.title ?? null, s.hash, s.bytes, chunks.length, now, sourceId);
      } else {
        sourceId = Number(
          this.db
            .prepare('INSERT INTO research_sources (source, kind, title, hash, bytes, chunk_count) VALUES (?, ?, ?, ?, ?, ?)')
            .run(s.source, s.kind, s.title ?? null, s.hash, s.bytes, chunks.length).lastInsertRowid,
        );
      }
      const ins = this.db.prepare(
        'INSERT INTO research_chunks (source_id, ord, start_line, end_line, heading, text) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const chunkIds = chunks.map((c) =>
        Number(ins.run(sourceId, c.ord, c.startLine, c.endLine, c.heading, c.text).lastInsertRowid),
      );
      return { sourceId, chunkIds };
    });
  }

  /** Removes sources (exact name or directory prefix); returns the names removed. */
  removeSources(filter: string): string[] {
    return writeTx(this.db, () => {
      const ids = this.sourceIds(filter);
      const names: string[] = [];
      for (const id of ids) {
        const row = this.db.prepare('SELECT source FROM research_sources WHERE id = ?').get(id) as { source: string };
        names.push(row.source);
        this.db.prepare('DELETE FROM research_sources WHERE id = ?').run(id);
      }
      return names;
    });
  }

  vecTables(): VecTable[] {
    const rows = this.db.prepare('SELECT name, model, dimension, quantized FROM research_vec_tables').all() as {
      name: string; model: string; dimension: number; quantized: number;
    }[];
    return rows.map((r) => ({ ...r, quantized: r.quantized === 1 }));
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
      this.db.exec(`CREATE VIRTUAL TABLE ${name} USING vec0(
        chunk_id integer primary key, source_id integer, embedding float[${dimension}] distance_metric=cosine)`);
      this.db.exec(`CREATE TRIGGER ${name}_ad AFTER DELETE ON research_chunks BEGIN
        DELETE FROM ${name} WHERE chunk_id = old.id; END`);
      this.db
        .prepare('INSERT INTO research_vec_tables (name, model, dimension, quantized) VALUES (?, ?, ?, ?)')
        .run(name, model, dimension, quantized ? 1 : 0);
      return { table: { name, model, dimension, quantized }, droppedDimension };
    });
  }

  private dropVecTable(name: string): void {
    this.db.exec(`DROP TRIGGER IF EXISTS ${name}_ad`);
    this.db.exec(`DROP TABLE IF EXISTS ${name}`);
    this.db.prepare('DELETE FROM research_vec_tables WHERE name = ?').run(name);
  }

  /** Number of chunks that have a vector in `table`. */
  embeddedCount(table: VecTable): number {
    return (this.db.prepare('SELECT count(*) AS n FROM research_embedded WHERE vec_table = ?').get(table.name) as { n: number }).n;
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
    const ins = this.db.prepare(`INSERT OR REPLACE INTO ${table.name} (chunk_id, source_id, embedding) VALUES (?, ?, ?)`);
    const mark = this.db.prepare('INSERT OR IGNORE INTO research_embedded (vec_table, chunk_id) VALUES (?, ?)');
    const copy = this.db.prepare('INSERT OR REPLACE INTO research_vector_copies (vec_table, chunk_id, vector) VALUES (?, ?, ?)');
    writeTx(this.db, () => {
      for (const r of rows) {
        // a chunk deleted while its batch was being embedded is skipped, not resurrected
        if (!this.db.prepare('SELECT 1 FROM research_chunks WHERE id = ?').get(r.chunkId)) continue;
        const b = blob(r.vector);
        ins.run(BigInt(r.chunkId), BigInt(r.sourceId), b);
        mark.run(table.name, r.chunkId);
        copy.run(table.name, r.chunkId, b);
      }
    });
  }

  /**
   * k nearest chunks by exact cosine distance: vec0 kNN (with the source_id metadata filter for
   * one source), or, for several sources, a scan of their vector copies.
   */
  knn(table: VecTable, query: Float32Array, k: number, opts: { sourceIds?: number[] } = {}) {
    const q = blob(query);
    const ids = opts.sourceIds;
    if (ids && ids.length === 1) {
      return this.db
        .prepare(`SELECT chunk_id AS id, distance FROM ${table.name} WHERE embedding MATCH ? AND k = ? AND source_id = ?`)
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
      return this.distances(table, query, cand.map((c) => c.id)).sort((a, b) => a.distance - b.distance).slice(0, k);
    }
    return this.db
      .prepare(`SELECT chunk_id AS id, distance FROM ${table.name} WHERE embedding MATCH ? AND k = ?`)
      .all(q, k) as { id: number; distance: number }[];
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
      // a Float32Array view needs 4-byte alignment; copy the rare unaligned buffer
      const b = r.vector.byteOffset % 4 === 0 ? r.vector : Buffer.from(r.vector);
      const v = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
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

  /** BM25 ranking for an already-escaped MATCH expression (see buildFtsQuery); heading weighs 2×. */
  fts(match: string, k: number, sourceIds?: number[]): { id: number; score: number }[] {
    if (sourceIds) {
      if (!sourceIds.length) return [];
      return this.db
        .prepare(
          `SELECT f.rowid AS id, bm25(research_fts, 1.0, 2.0) AS score FROM research_fts f
           JOIN research_chunks c ON c.id = f.rowid
           WHERE research_fts MATCH ? AND c.source_id IN (SELECT value FROM json_each(?))
           ORDER BY score LIMIT ?`,
        )
        .all(match, JSON.stringify(sourceIds), k) as { id: number; score: number }[];
    }
    return this.db
      .prepare(
        `SELECT rowid AS id, bm25(research_fts, 1.0, 2.0) AS score FROM research_fts
         WHERE research_fts MATCH ? ORDER BY score LIMIT ?`,
      )
      .all(match, k) as { id: number; score: number }[];
  }

  /** Chunks by id with their source names, in the order of `ids`. */
  chunks(ids: readonly number[]): ChunkRow[] {
    if (!ids.length) return [];
    const rows = this.db
      .prepare(
        `SELECT c.*, s.source FROM research_chunks c JOIN research_sources s ON s.id = c.source_id
         WHERE c.id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(ids)) as ChunkRow[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is ChunkRow => r !== undefined);
  }
}
