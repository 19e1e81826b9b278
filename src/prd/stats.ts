import type { Answer } from '../models/types.js';

/** Counters of one run, filled as answers arrive; the run summary row is built from them. */
export class RunStats {
  calls = 0;
  promptTokens = 0;
  /** Of promptTokens, those the server reported serving from its KV cache. */
  cachedPromptTokens = 0;
  completionTokens = 0;
  cacheHits = 0;
  resumedNodes = 0;
  reasks = 0;
  fallbacks = 0;
  failures = 0;
  /** Expansions started from a streamed answer and dropped because the final answer differed. */
  discarded = 0;
  readonly models = new Set<string>();
  readonly promptIds = new Set<string>();
  /** Aliases of embedded (in-process llama.cpp) models that answered: the run says so. */
  readonly embedded = new Set<string>();

  constructor(readonly runId: string) {}

  /** Counts one answer from the model API (cached answers cost no call and no tokens). */
  answered(a: Answer<unknown>, promptId: string): void {
    this.models.add(a.model.alias);
    if (a.model.provider === 'llama-cpp') this.embedded.add(a.model.alias);
    this.promptIds.add(promptId);
    if (a.cached) {
      this.cacheHits++;
      return;
    }
    this.calls += Math.max(1, a.attempts.length);
    this.promptTokens += a.usage.promptTokens;
    this.cachedPromptTokens += a.usage.cachedPromptTokens ?? 0;
    this.completionTokens += a.usage.completionTokens;
    this.reasks += a.attempts.filter((x) => x.kind === 'reask').length;
    this.fallbacks += a.attempts.filter((x) => x.kind === 'fallback').length;
    this.failures += a.attempts.filter((x) => !x.ok).length;
  }

  /** Counts a node answered from a checkpoint of an earlier run. */
  resumed(model: string | undefined, promptId: string): void {
    this.resumedNodes++;
    if (model) this.models.add(model);
    this.promptIds.add(promptId);
  }

  /** Counts a node whose call failed for good. */
  failed(): void {
    this.failures++;
  }

  /** The figures the live view shows. */
  live() {
    return {
      calls: this.calls,
      tokens: this.promptTokens + this.completionTokens,
      cacheHits: this.cacheHits,
      resumed: this.resumedNodes,
    };
  }
}
