import { backoffDelay, sleep as realSleep, type BackoffOptions } from './backoff.js';
import { classifyFailure } from '../diagnostics/classify.js';
import { diagnoseByRules } from '../diagnostics/diagnose.js';
import type { FailureRecoverySystem } from './system.js';
import type { FailureContext, Strategy } from '../diagnostics/types.js';

/** What each attempt is told: which try it is, and what the strategies changed. */
export interface AttemptState {
  attempt: number;
  /** Raised by `raise_timeout` (doubles each time). */
  timeoutMs?: number;
  /** Incremented by `shrink_input`: the caller halves its input per level. */
  shrink: number;
  /** Set by `fallback_model`: the caller uses its fallback model. */
  fallback: boolean;
}

/** Options of runWithRecovery; strategies the caller cannot apply fall back to a plain retry. */
export interface InRunOptions extends BackoffOptions {
  timeoutMs?: number;
  canShrink?: boolean;
  canFallback?: boolean;
}

// Failures nothing in-run can fix: waiting or re-asking would only repeat them.
const HOPELESS = new Set([
  'privacy_refused',
  'config_invalid',
  'disk_full',
  'db_corrupt',
  'tasks_file',
  'ipv6_localhost',
  'no_model_loaded',
  'model_not_found',
]);

/**
 * Runs `fn` and, when it fails, records the failure, picks the strategy its diagnosis recommends
 * (retry with backoff + jitter, raise the timeout, shrink the input, switch to the fallback model)
 * and tries again; every attempt and its outcome is recorded. Throws the last error when out of tries.
 */
export async function runWithRecovery<T>(
  system: FailureRecoverySystem,
  fn: (s: AttemptState) => Promise<T>,
  context: FailureContext,
  opts: InRunOptions = {},
): Promise<T> {
  const retries = opts.retries ?? 2;
  const doSleep = opts.sleep ?? realSleep;
  const state: AttemptState = { attempt: 0, timeoutMs: opts.timeoutMs, shrink: 0, fallback: false };
  let failureId: number | undefined;
  let strategy: Strategy = 'retry';
  for (;;) {
    const t0 = performance.now();
    try {
      const v = await fn({ ...state });
      if (failureId !== undefined) {
        system.repo.recordAttempt(
          failureId,
          {
            strategy,
            outcome: 'success',
            durationMs: performance.now() - t0,
            detail: `attempt ${state.attempt + 1} succeeded`,
          },
          Date.now(),
          { status: 'recovered', resolution: `${strategy} succeeded in-run` },
        );
      }
      return v;
    } catch (e) {
      if (failureId !== undefined) {
        system.repo.recordAttempt(
          failureId,
          { strategy, outcome: 'failure', durationMs: performance.now() - t0, detail: (e as Error).message },
          Date.now(),
          undefined,
        );
      }
      const classified = classifyFailure(e, context);
      failureId = system.reportFailure(e, context).id;
      if (state.attempt >= retries || opts.signal?.aborted || HOPELESS.has(classified.kind)) throw e;
      const d = diagnoseByRules(classified);
      if (d) system.repo.setDiagnosis(failureId, d);
      strategy = d?.recommendedStrategy ?? 'retry';
      if (strategy === 'raise_timeout' && state.timeoutMs) state.timeoutMs *= 2;
      else if (strategy === 'shrink_input' && opts.canShrink) state.shrink++;
      else if (strategy === 'fallback_model' && opts.canFallback && !state.fallback) state.fallback = true;
      else strategy = 'retry';
      state.attempt++;
      await doSleep(backoffDelay(state.attempt, opts), opts.signal);
    }
  }
}
