import type { Migration } from './types.js';

/** Per parse-prd run: prompt tokens the server served from its KV cache, and pipelined expansions discarded. */
export const m021prdTokenEconomy: Migration = {
  id: 21,
  name: 'prd: cached prompt tokens and discarded expansions per run',
  sql: `
ALTER TABLE prd_runs ADD COLUMN cached_prompt_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE prd_runs ADD COLUMN discarded INTEGER NOT NULL DEFAULT 0;
`,
};
