/** SQL for the research knowledge base's sources, chunks and full-text index (vectors: research-vector-repo.ts). */
import type { DB } from './db.js';
import { writeTx } from './db.js';

/** A knowledge-base source: a file path relative to the project root, or `note:<title>`. */
export interface SourceRow {
  id: number;
  source: string;
  kind: 'file' | 'note';
  title: string | null;
  /** A note's category (the specification's `domain_expertise`, …); null for files and plain notes. */
  category: string | null;
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

/** A chunk to insert (see chunkText). */
export interface NewChunk {
  ord: number;
  startLine: number;
  endLine: number;
  heading: string;
  text: string;
}

/** A source to insert or replace. */
export interface NewSource {
  source: string;
  kind: 'file' | 'note';
  title?: string;
  category?: string;
  hash: string;
  bytes: number;
}

/** Repository for research sources, chunks and full-text search. */
export class ResearchRepo {
  constructor(readonly db: DB) {}

  getSource(source: string): SourceRow | undefined {
    return this.db.prepare('SELECT * FROM research_sources WHERE source = ?').get(source) as SourceRow | undefined;
  }

  listSources(opts: { category?: string } = {}): SourceRow[] {
    if (opts.category !== undefined)
      return this.db
        .prepare('SELECT * FROM research_sources WHERE category = ? ORDER BY source')
        .all(opts.category) as SourceRow[];
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

  /** Ids of the sources of one category. */
  sourceIdsOfCategory(category: string): number[] {
    return (
      this.db.prepare('SELECT id FROM research_sources WHERE category = ?').all(category) as { id: number }[]
    ).map((r) => r.id);
  }

  /** Every category in use, with its number of sources. */
  categories(): { category: string; sources: number }[] {
    return this.db
      .prepare(
        'SELECT category, count(*) AS sources FROM research_sources WHERE category IS NOT NULL GROUP BY category ORDER BY category',
      )
      .all() as { category: string; sources: number }[];
  }

  /** Chunk ids of the given sources, ascending. */
  chunkIdsOfSources(sourceIds: readonly number[]): number[] {
    if (!sourceIds.length) return [];
    return (
      this.db
        .prepare('SELECT id FROM research_chunks WHERE source_id IN (SELECT value FROM json_each(?)) ORDER BY id')
        .all(JSON.stringify(sourceIds)) as { id: number }[]
    ).map((r) => r.id);
  }

  /** Whether the knowledge base has any chunk (without counting them all). */
  hasChunks(): boolean {
    return this.db.prepare('SELECT 1 FROM research_chunks LIMIT 1').get() !== undefined;
  }

  /** Number of chunks, from the per-source counts (O(sources), not O(chunks)). */
  countChunks(): number {
    return (this.db.prepare('SELECT coalesce(sum(chunk_count), 0) AS n FROM research_sources').get() as { n: number })
      .n;
  }

  /**
   * Inserts or replaces a source and all its chunks in one transaction (old chunks, their FTS
   * rows, vectors and claims go through triggers and cascades). With `claimOwner`, the new chunks
   * are claimed for embedding by that owner in the same transaction, so no other process embeds
   * them meanwhile. Returns the new chunk ids.
   */
  replaceSource(
    s: NewSource,
    chunks: readonly NewChunk[],
    claimOwner?: string,
  ): { sourceId: number; chunkIds: number[] } {
    return writeTx(this.db, () => {
      const now = new Date().toISOString();
      const existing = this.getSource(s.source);
      let sourceId: number;
      if (existing) {
        sourceId = existing.id;
        this.db.prepare('DELETE FROM research_chunks WHERE source_id = ?').run(sourceId);
        this.db
          .prepare(
            'UPDATE research_sources SET kind = ?, title = ?, category = ?, hash = ?, bytes = ?, chunk_count = ?, updated_at = ? WHERE id = ?',
          )
          .run(s.kind, s.title ?? null, s.category ?? null, s.hash, s.bytes, chunks.length, now, sourceId);
      } else {
        sourceId = Number(
          this.db
            .prepare(
              'INSERT INTO research_sources (source, kind, title, category, hash, bytes, chunk_count) VALUES (?, ?, ?, ?, ?, ?, ?)',
            )
            .run(s.source, s.kind, s.title ?? null, s.category ?? null, s.hash, s.bytes, chunks.length).lastInsertRowid,
        );
      }
      const ins = this.db.prepare(
        'INSERT INTO research_chunks (source_id, ord, start_line, end_line, heading, text) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const chunkIds = chunks.map((c) =>
        Number(ins.run(sourceId, c.ord, c.startLine, c.endLine, c.heading, c.text).lastInsertRowid),
      );
      if (claimOwner) {
        const claim = this.db.prepare(
          'INSERT OR REPLACE INTO research_embed_claims (chunk_id, owner, claimed_at) VALUES (?, ?, ?)',
        );
        const at = Date.now();
        for (const id of chunkIds) claim.run(id, claimOwner, at);
      }
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

  /**
   * How many chunks match an FTS5 MATCH expression, counting no further than `cap` (a term in
   * most chunks stops at the cap quickly, where ranking it with BM25 would touch every one).
   */
  matchCount(match: string, cap: number): number {
    const r = this.db
      .prepare('SELECT count(*) AS n FROM (SELECT rowid FROM research_fts WHERE research_fts MATCH ? LIMIT ?)')
      .get(match, cap) as { n: number };
    return r.n;
  }

  /** Highest chunk id: an O(log n) stand-in for the chunk count when only the scale matters. */
  maxChunkId(): number {
    return (this.db.prepare('SELECT max(id) AS m FROM research_chunks').get() as { m: number | null }).m ?? 0;
  }

  /** BM25 ranking for an already-escaped MATCH expression; heading weighs 2×. */
  fts(match: string, k: number, sourceIds?: readonly number[]): { id: number; score: number }[] {
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
