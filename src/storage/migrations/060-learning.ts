import type { Migration } from './types.js';

/**
 * Learning: one row per experience (a run of a command, or one recorded by hand), per-model call
 * statistics of that run (so "which model broke the schema" is per model, not per run), the
 * registry of per-embedder vec0 tables for context similarity, proposal sets (what `improve`
 * proposed, with the config they were computed against), experiments (applied changes and their
 * baseline) and the log of learned-routing choices.
 */
export const m060learning: Migration = {
  id: 60,
  name: 'learning: experiences, model stats, vectors, proposals, experiments, routing log',
  sql: `
CREATE TABLE learning_experiences (
  id INTEGER PRIMARY KEY,
  ts TEXT NOT NULL,
  task_type TEXT NOT NULL,
  source TEXT NOT NULL,
  run_id TEXT,
  context_json TEXT NOT NULL,
  action_json TEXT NOT NULL,
  outcome_json TEXT NOT NULL,
  feedback_json TEXT,
  written_json TEXT,
  model TEXT,
  strategy TEXT NOT NULL,
  success INTEGER NOT NULL,
  schema_valid INTEGER NOT NULL
);
CREATE INDEX learning_experiences_type ON learning_experiences(task_type, ts);
CREATE UNIQUE INDEX learning_experiences_run ON learning_experiences(run_id) WHERE run_id IS NOT NULL;

CREATE TABLE learning_model_stats (
  experience_id INTEGER NOT NULL REFERENCES learning_experiences(id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  provider TEXT NOT NULL DEFAULT '',
  task_type TEXT,
  calls INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  invalid INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  PRIMARY KEY (experience_id, model, provider)
);

CREATE TABLE learning_vec_tables (
  name TEXT PRIMARY KEY,
  embedder TEXT NOT NULL,
  dimension INTEGER NOT NULL,
  UNIQUE (embedder, dimension)
);

CREATE TABLE learning_proposal_sets (
  id INTEGER PRIMARY KEY,
  ts TEXT NOT NULL,
  config_json TEXT NOT NULL,
  proposals_json TEXT NOT NULL,
  applied INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE learning_experiments (
  id INTEGER PRIMARY KEY,
  ts TEXT NOT NULL,
  proposal_set INTEGER REFERENCES learning_proposal_sets(id),
  change_json TEXT NOT NULL,
  backup_path TEXT NOT NULL,
  baseline_json TEXT NOT NULL
);

CREATE TABLE learning_route_log (
  id INTEGER PRIMARY KEY,
  ts TEXT NOT NULL,
  task_type TEXT NOT NULL,
  chosen TEXT NOT NULL,
  greedy TEXT NOT NULL,
  explored INTEGER NOT NULL,
  samples_json TEXT NOT NULL
);
`,
};
