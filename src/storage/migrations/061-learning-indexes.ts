import type { Migration } from './types.js';

/**
 * Learning reads the metrics ledger by run (per-model stats at the end of every run) and by task
 * type (learned routing on every routing decision); without these both scan the whole ledger.
 */
export const m061learningIndexes: Migration = {
  id: 61,
  name: 'learning: metrics indexes by run and by task type',
  sql: `
CREATE INDEX IF NOT EXISTS learning_metrics_run ON metrics(run_id);
CREATE INDEX IF NOT EXISTS learning_metrics_task ON metrics(task_type, model, provider);
`,
};
