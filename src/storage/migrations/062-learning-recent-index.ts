import type { Migration } from './types.js';

/**
 * Learned routing reads the most recent calls of a task type; an index on task_type alone is
 * ordered by (task_type, rowid), so "newest N of this type" walks it backwards instead of sorting.
 */
export const m062learningRecentIndex: Migration = {
  id: 62,
  name: 'learning: metrics index for the newest calls of a task type',
  sql: `CREATE INDEX IF NOT EXISTS learning_metrics_task_recent ON metrics(task_type);`,
};
