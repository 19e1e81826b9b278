import type { Migration } from './types.js';

/**
 * The call ledger records the prompt tokens a model server took from its KV cache (llama.cpp
 * `timings.cache_n`, OpenAI-style `prompt_tokens_details.cached_tokens`), so `health --stats` can
 * show how much of a prompt was not recomputed. Core migration added by prd-core (see NOTES.md).
 */
export const m002metricsCachedTokens: Migration = {
  id: 2,
  name: 'core: metrics.cached_prompt_tokens',
  sql: `ALTER TABLE metrics ADD COLUMN cached_prompt_tokens INTEGER NOT NULL DEFAULT 0;`,
};
