import type { Migration } from './types.js';

/** Per model and run: what followed its failed attempts (re-ask, retry, fallback, nothing) and their codes. */
export const m063learningAttemptOutcomes: Migration = {
  id: 63,
  name: 'learning: attempt outcomes per model',
  sql: `ALTER TABLE learning_model_stats ADD COLUMN recovered_json TEXT;`,
};
