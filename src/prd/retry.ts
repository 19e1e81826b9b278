import { AppError, ProviderError, isAbortError } from '../errors.js';
import { sleep as sleepOrAbort } from '../util/sleep.js';

/** Runs one node's model call; injectable so the recovery module can add diagnosis-driven strategies. */
export type NodeRunner = <T>(
  fn: () => Promise<T>,
  info: { path: string; kind: 'chunk' | 'expand'; signal: AbortSignal },
) => Promise<T>;

/** Whether a node whose call failed (after the model API's own retries and fallbacks) is worth asking again. */
export function retryableNodeError(e: unknown): boolean {
  if (isAbortError(e)) return false;
  if (e instanceof ProviderError) return e.retryable;
  return e instanceof AppError && e.code === 'TIMEOUT';
}

// Resolves early (never rejects) on abort: the caller checks the signal itself.
const sleep = (ms: number, signal: AbortSignal): Promise<void> => sleepOrAbort(ms, signal).catch(() => undefined);

/**
 * The default node runner: a transient failure that survived the model API's retries (a busy or flaky
 * server) gets up to `tries - 1` more attempts with exponential backoff, so one unlucky node does
 * not fail a run of dozens. Validation failures, missing models and aborts are not retried here.
 */
export function retryingRunner(tries = 3, baseMs = 250, onRetry?: (path: string, e: unknown) => void): NodeRunner {
  return async <T>(fn: () => Promise<T>, info: { path: string; signal: AbortSignal }): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (attempt >= tries || !retryableNodeError(e) || info.signal.aborted) throw e;
        onRetry?.(info.path, e);
        await sleep(baseMs * 2 ** (attempt - 1), info.signal);
        if (info.signal.aborted) throw e;
      }
    }
  };
}
