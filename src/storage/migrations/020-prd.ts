import type { Migration } from './types.js';

/** parse-prd: run summaries (read by learning), node checkpoints (resume), the plan tree with provenance. */
export const m020prd: Migration = {
  id: 20,
  name: 'prd: runs, checkpoints, nodes',
  sql: `
CREATE TABLE prd_runs (
  run_id TEXT PRIMARY KEY,
  run_key TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  prd_path TEXT NOT NULL,
  prd_hash TEXT NOT NULL,
  prd_bytes INTEGER NOT NULL,
  sections INTEGER NOT NULL DEFAULT 0,
  chunks INTEGER NOT NULL DEFAULT 0,
  options_json TEXT NOT NULL,
  tag TEXT NOT NULL,
  models_json TEXT NOT NULL DEFAULT '[]',
  prompt_ids_json TEXT NOT NULL DEFAULT '[]',
  llm_calls INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cache_hits INTEGER NOT NULL DEFAULT 0,
  resumed_nodes INTEGER NOT NULL DEFAULT 0,
  reasks INTEGER NOT NULL DEFAULT 0,
  fallbacks INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  dep_fixes INTEGER NOT NULL DEFAULT 0,
  merged_duplicates INTEGER NOT NULL DEFAULT 0,
  tasks INTEGER NOT NULL DEFAULT 0,
  subtasks INTEGER NOT NULL DEFAULT 0,
  depth INTEGER NOT NULL DEFAULT 0,
  duration_ms REAL NOT NULL DEFAULT 0,
  success INTEGER NOT NULL DEFAULT 0,
  structural INTEGER NOT NULL DEFAULT 0,
  dry_run INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT
);
CREATE INDEX prd_runs_key ON prd_runs(run_key, started_at);

CREATE TABLE prd_checkpoints (
  node_key TEXT PRIMARY KEY,
  run_key TEXT NOT NULL,
  path TEXT NOT NULL,
  kind TEXT NOT NULL,
  value_json TEXT NOT NULL,
  model TEXT,
  prompt_id TEXT,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  run_id TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX prd_checkpoints_run ON prd_checkpoints(run_key);

CREATE TABLE prd_nodes (
  run_id TEXT NOT NULL REFERENCES prd_runs(run_id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  parent_path TEXT,
  depth INTEGER NOT NULL,
  tm_id TEXT,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  details TEXT NOT NULL,
  test_strategy TEXT NOT NULL,
  priority TEXT NOT NULL,
  complexity INTEGER NOT NULL,
  deps_json TEXT NOT NULL,
  source TEXT NOT NULL,
  model TEXT,
  prompt_id TEXT,
  PRIMARY KEY (run_id, path)
);
`,
};
