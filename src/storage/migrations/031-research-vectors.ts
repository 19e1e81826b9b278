import type { Migration } from './types.js';

/**
 * A plain copy of each stored vector. Re-ranking the binary pre-filter's candidates needs ~100
 * vectors by id, and a vec0 point lookup reads a whole 1024-vector chunk (~20 ms for 100 lookups
 * at 100k rows); a B-tree lookup reads 1.5 KiB. A rowid table keeps the 1.5 KiB blobs inline
 * (a WITHOUT ROWID table would spill each one to its own overflow page and triple the file).
 */
export const m031researchVectors: Migration = {
  id: 31,
  name: 'research: vector copies for re-ranking',
  sql: `
CREATE TABLE research_vector_copies (
  vec_table TEXT NOT NULL REFERENCES research_vec_tables(name) ON DELETE CASCADE,
  chunk_id INTEGER NOT NULL REFERENCES research_chunks(id) ON DELETE CASCADE,
  vector BLOB NOT NULL,
  PRIMARY KEY (vec_table, chunk_id)
);
CREATE INDEX research_vector_copies_chunk ON research_vector_copies(chunk_id);
`,
};
