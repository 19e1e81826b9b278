import type { Migration } from './types.js';

/** Optimization runs, their finished generations, the individuals of each and every evaluation made. */
export const m040optimize: Migration = {
  id: 40,
  name: 'optimize: runs, generations, individuals, evaluations',
  sql: `
CREATE TABLE optimize_runs (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  status TEXT NOT NULL CHECK (status IN ('running','finished','failed')),
  target TEXT NOT NULL,
  spec TEXT NOT NULL,
  evaluator TEXT NOT NULL,
  seed INTEGER NOT NULL,
  generations_done INTEGER NOT NULL DEFAULT 0,
  evaluations INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  best_genome TEXT,
  best_fitness REAL,
  stop_reason TEXT,
  error TEXT
);
CREATE TABLE optimize_generations (
  run_id TEXT NOT NULL REFERENCES optimize_runs(id) ON DELETE CASCADE,
  gen INTEGER NOT NULL,
  best REAL,
  mean REAL,
  diversity REAL NOT NULL,
  evaluations INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  immigrants INTEGER NOT NULL,
  finished_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  PRIMARY KEY (run_id, gen)
);
CREATE TABLE optimize_individuals (
  run_id TEXT NOT NULL,
  gen INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  genome_key TEXT NOT NULL,
  genome TEXT NOT NULL,
  PRIMARY KEY (run_id, gen, idx),
  FOREIGN KEY (run_id, gen) REFERENCES optimize_generations(run_id, gen) ON DELETE CASCADE
);
CREATE TABLE optimize_evaluations (
  run_id TEXT NOT NULL REFERENCES optimize_runs(id) ON DELETE CASCADE,
  genome_key TEXT NOT NULL,
  genome TEXT NOT NULL,
  gen INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  fitness REAL,
  error TEXT,
  details TEXT,
  duration_ms REAL,
  PRIMARY KEY (run_id, genome_key)
);
`,
};
