import type { Migration } from './types.js';

/**
 * Research knowledge base: sources, chunks with an FTS5 index, the registry of per-model vec0
 * tables (created at run time, one per embedding model and dimension), loop sessions and one
 * summary row per research query/loop for the learning module.
 */
export const m030research: Migration = {
  id: 30,
  name: 'research: sources, chunks, fts, vector tables, sessions, runs',
  sql: `
CREATE TABLE research_sources (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('file', 'note')),
  title TEXT,
  hash TEXT NOT NULL,
  bytes INTEGER NOT NULL DEFAULT 0,
  chunk_count INTEGER NOT NULL DEFAULT 0,
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE research_chunks (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES research_sources(id) ON DELETE CASCADE,
  ord INTEGER NOT NULL,
  start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL,
  heading TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL
);
CREATE INDEX research_chunks_source ON research_chunks(source_id, ord);

CREATE VIRTUAL TABLE research_fts USING fts5(
  text, heading, content='research_chunks', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER research_chunks_ai AFTER INSERT ON research_chunks BEGIN
  INSERT INTO research_fts(rowid, text, heading) VALUES (new.id, new.text, new.heading);
END;
CREATE TRIGGER research_chunks_ad AFTER DELETE ON research_chunks BEGIN
  INSERT INTO research_fts(research_fts, rowid, text, heading) VALUES ('delete', old.id, old.text, old.heading);
END;

CREATE TABLE research_vec_tables (
  name TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  dimension INTEGER NOT NULL,
  -- 1 when the table also holds a binary-quantized copy used as a coarse pre-filter at scale
  quantized INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  UNIQUE (model, dimension)
);

-- Which chunks already have a vector in which vec0 table; lets a search find what to embed lazily
-- without scanning the vec0 table (chunk deletes cascade here; a per-table trigger clears vec0).
CREATE TABLE research_embedded (
  vec_table TEXT NOT NULL REFERENCES research_vec_tables(name) ON DELETE CASCADE,
  chunk_id INTEGER NOT NULL REFERENCES research_chunks(id) ON DELETE CASCADE,
  PRIMARY KEY (vec_table, chunk_id)
) WITHOUT ROWID;
CREATE INDEX research_embedded_chunk ON research_embedded(chunk_id);

CREATE TABLE research_sessions (
  id TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'stopped')),
  iterations_done INTEGER NOT NULL DEFAULT 0,
  max_iterations INTEGER NOT NULL,
  confidence REAL,
  state TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE research_runs (
  id INTEGER PRIMARY KEY,
  ts TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('query', 'loop')),
  question_hash TEXT NOT NULL,
  passages INTEGER NOT NULL,
  model TEXT,
  embedder TEXT NOT NULL,
  confidence REAL NOT NULL,
  calls INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  success INTEGER NOT NULL,
  session_id TEXT
);
CREATE INDEX research_runs_ts ON research_runs(ts);
`,
};
