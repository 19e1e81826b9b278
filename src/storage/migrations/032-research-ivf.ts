import type { Migration } from './types.js';

/**
 * IVF partitioning of research vector tables: tables created from now on have a `cluster`
 * partition key (older ones stay exact, unpartitioned), and `research_ivf` holds the centroids
 * that assign vectors to clusters once a table is large enough to need them.
 */
export const m032researchIvf: Migration = {
  id: 32,
  name: 'research: IVF partitions for vector tables',
  sql: `
ALTER TABLE research_vec_tables ADD COLUMN partitioned INTEGER NOT NULL DEFAULT 0;
CREATE TABLE research_ivf (
  vec_table TEXT PRIMARY KEY REFERENCES research_vec_tables(name) ON DELETE CASCADE,
  clusters INTEGER NOT NULL,
  dimension INTEGER NOT NULL,
  centroids BLOB NOT NULL,
  built_rows INTEGER NOT NULL
);
`,
};
