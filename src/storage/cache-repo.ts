import type { DB } from './db.js';
import { writeTx } from './db.js';

/** One cached, validated model answer. */
export interface CacheEntry {
  key: string;
  model: string;
  kind: string;
  /** JSON text: the validated value (objects) or the answer text (text). */
  value: string;
  promptTokens: number;
  completionTokens: number;
  hits: number;
}

interface Row {
  key: string;
  model: string;
  kind: string;
  value: string;
  prompt_tokens: number;
  completion_tokens: number;
  hits: number;
}

/** The LLM response cache (`llm_cache`). Only validated answers are ever put here. */
export class CacheRepo {
  constructor(private readonly db: DB) {}

  /** Looks up a key and counts the hit. */
  get(key: string): CacheEntry | undefined {
    const row = this.db
      .prepare('SELECT key, model, kind, value, prompt_tokens, completion_tokens, hits FROM llm_cache WHERE key = ?')
      .get(key) as Row | undefined;
    if (!row) return undefined;
    writeTx(this.db, () => this.db.prepare('UPDATE llm_cache SET hits = hits + 1 WHERE key = ?').run(key));
    return {
      key: row.key,
      model: row.model,
      kind: row.kind,
      value: row.value,
      promptTokens: row.prompt_tokens,
      completionTokens: row.completion_tokens,
      hits: row.hits + 1,
    };
  }

  /** Stores (or replaces) an answer. */
  put(e: Omit<CacheEntry, 'hits'>): void {
    writeTx(this.db, () =>
      this.db
        .prepare(
          `INSERT INTO llm_cache (key, model, kind, value, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET model = excluded.model, kind = excluded.kind, value = excluded.value,
             prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
             created_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
        )
        .run(e.key, e.model, e.kind, e.value, e.promptTokens, e.completionTokens),
    );
  }

  /** Removes one entry (e.g. a cached value that no longer validates). */
  delete(key: string): void {
    writeTx(this.db, () => this.db.prepare('DELETE FROM llm_cache WHERE key = ?').run(key));
  }

  /** Number of entries and total hits, for `health`. */
  stats(): { entries: number; hits: number } {
    const r = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(hits), 0) AS h FROM llm_cache').get() as {
      n: number;
      h: number;
    };
    return { entries: r.n, hits: r.h };
  }

  /** Empties the cache; returns how many entries were removed. */
  clear(): number {
    return writeTx(this.db, () => this.db.prepare('DELETE FROM llm_cache').run().changes);
  }
}
