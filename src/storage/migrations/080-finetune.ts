import type { Migration } from './types.js';

/**
 * Fine-tuning data: the PRD part each parse-prd chunk call was asked about (so an exported example
 * carries the exact prompt the model saw), and hand-written input/output pairs (`finetune add`).
 */
export const m080finetune: Migration = {
  id: 80,
  name: 'finetune: PRD parts per run, hand-written pairs',
  sql: `
CREATE TABLE prd_parts (
  run_id TEXT NOT NULL REFERENCES prd_runs(run_id) ON DELETE CASCADE,
  chunk_index INTEGER NOT NULL,
  headings_json TEXT NOT NULL,
  text TEXT NOT NULL,
  tokens INTEGER NOT NULL,
  PRIMARY KEY (run_id, chunk_index)
);

CREATE TABLE finetune_pairs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT NOT NULL UNIQUE,
  input TEXT NOT NULL,
  output TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`,
};
