import type { Migration } from './types.js';

/**
 * Compact research vectors and safe concurrent embedding.
 * - Vector sets of layout 2 keep each float vector once, in a plain `<set>_vectors` table keyed
 *   by chunk id, plus two sqlite-vec `bit[n]` tables of sign sketches (`<set>_sketch`, and
 *   `<set>_probe` for a sample of every `probe_modulus`-th chunk). Sets created before this
 *   migration stay layout 1 (a float vec0 table, IVF partitions and a second copy of each vector)
 *   until the research module converts them on first use, in one transaction.
 * - `research_embed_claims`: which process is embedding which chunk, so that concurrent adds and
 *   searches never embed or insert the same chunk twice; `research_embed_owners` lets a process
 *   recognise the claims of one that died (pid gone, or no heartbeat) and take them over.
 * - Sources keep a category (notes added with one).
 */
export const m033researchCompact: Migration = {
  id: 33,
  name: 'research: vectors stored once with sign sketches; embedding claims; source categories',
  sql: `
ALTER TABLE research_vec_tables ADD COLUMN layout INTEGER NOT NULL DEFAULT 1;
ALTER TABLE research_vec_tables ADD COLUMN vectors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE research_vec_tables ADD COLUMN sketch_bits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE research_vec_tables ADD COLUMN mean BLOB;
ALTER TABLE research_vec_tables ADD COLUMN probe_modulus INTEGER NOT NULL DEFAULT 1;
ALTER TABLE research_vec_tables ADD COLUMN probe_rows INTEGER NOT NULL DEFAULT 0;

ALTER TABLE research_sources ADD COLUMN category TEXT;
CREATE INDEX research_sources_category ON research_sources(category) WHERE category IS NOT NULL;

CREATE TABLE research_embed_owners (
  owner TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
CREATE TABLE research_embed_claims (
  chunk_id INTEGER PRIMARY KEY REFERENCES research_chunks(id) ON DELETE CASCADE,
  owner TEXT NOT NULL REFERENCES research_embed_owners(owner) ON DELETE CASCADE,
  claimed_at INTEGER NOT NULL
);
CREATE INDEX research_embed_claims_owner ON research_embed_claims(owner);
`,
};
