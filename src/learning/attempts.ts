/**
 * Per-model outcome of failed attempts, from the model API's failure hook: after model M failed
 * (schema-breaking answer, timeout, HTTP error…), was it fixed by a re-ask of M, a retry of M, a
 * fallback to another model, or not at all? The metrics ledger has one row per attempt but not
 * this, and it is what says whether a model is merely noisy or keeps handing work to others.
 */
import { isAppError } from '../errors.js';
import type { FailureEvent, ModelHooks } from '../models/types.js';

/** What happened after a model's failed attempts, and their error codes. */
export interface AttemptOutcomes {
  reask: number;
  retry: number;
  fallback: number;
  unrecovered: number;
  codes: Record<string, number>;
}

/** Collects failure outcomes per model (`provider|model`) for the current run. */
export class AttemptCollector {
  private byModel = new Map<string, AttemptOutcomes>();

  /** The hook to compose into the project's model hooks. */
  readonly hooks: ModelHooks = {
    onFailure: (f: FailureEvent) => {
      if (!f.model) return;
      const k = `${f.provider ?? ''}|${f.model}`;
      const o = this.byModel.get(k) ?? { reask: 0, retry: 0, fallback: 0, unrecovered: 0, codes: {} };
      o[f.recoveredBy ?? 'unrecovered']++;
      const code = isAppError(f.error) ? f.error.code : 'INTERNAL';
      o.codes[code] = (o.codes[code] ?? 0) + 1;
      this.byModel.set(k, o);
    },
  };

  /** Outcomes of one model so far. */
  get(provider: string, model: string): AttemptOutcomes | undefined {
    return this.byModel.get(`${provider}|${model}`);
  }

  /** Forgets everything collected (a long-lived project records runs one after another). */
  reset(): void {
    this.byModel = new Map();
  }
}
