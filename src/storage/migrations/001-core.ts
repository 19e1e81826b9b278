import type { Migration } from './types.js';

/** Model-call metrics (also the privacy ledger) and the LLM response cache. */
export const m001core: Migration = {
  id: 1,
  name: 'core: metrics, llm_cache',
  sql: `
CREATE TABLE metrics (
  id INTEGER PRIMARY KEY,
  ts TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  component TEXT NOT NULL,
  operation TEXT NOT NULL,
  provider TEXT,
  host TEXT,
  local INTEGER,
  model TEXT,
  task_type TEXT,
  prompt_id TEXT,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  duration_ms REAL NOT NULL DEFAULT 0,
  cached INTEGER NOT NULL DEFAULT 0,
  ok INTEGER NOT NULL DEFAULT 1,
  error_code TEXT,
  run_id TEXT
);
CREATE INDEX metrics_ts ON metrics(ts);
CREATE INDEX metrics_model ON metrics(model, task_type);
CREATE INDEX metrics_component ON metrics(component, operation);

CREATE TABLE llm_cache (
  key TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  hits INTEGER NOT NULL DEFAULT 0
);
`,
};
