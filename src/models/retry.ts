import { sleep } from '../util/sleep.js';

/** Backoff settings; `random` and `sleep` are injectable so tests are exact and instant. */
export interface BackoffOptions {
  /** Attempts after the first one. */
  retries?: number;
  baseMs?: number;
  maxMs?: number;
  /** 0..1: the share of each delay that is randomised ("equal jitter"). */
  jitter?: number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Whether this error is worth another attempt; default: every error. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Retry this error without waiting (it goes somewhere else, e.g. another endpoint of a pool). */
  immediate?: (error: unknown) => boolean;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** Delay before retry number `attempt` (1-based): exponential, capped, with jitter. */
export function backoffDelay(
  attempt: number,
  opts: Pick<BackoffOptions, 'baseMs' | 'maxMs' | 'jitter' | 'random'> = {},
): number {
  const base = opts.baseMs ?? 250;
  const max = opts.maxMs ?? 10_000;
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.5));
  const exp = Math.min(max, base * 2 ** (attempt - 1));
  // Jitter spreads retries of parallel callers so they do not hit a recovering server together.
  return Math.round(exp * (1 - jitter) + exp * jitter * (opts.random ?? Math.random)());
}

/**
 * The one retry loop of the project (the executor's): runs fn until it succeeds, the retries are
 * spent, the signal fires or `shouldRetry` says no; rethrows the last error.
 */
export async function retryWithBackoff<T>(fn: (attempt: number) => Promise<T>, opts: BackoffOptions = {}): Promise<T> {
  const retries = opts.retries ?? 3;
  const doSleep = opts.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= retries || opts.signal?.aborted || !(opts.shouldRetry?.(e, attempt) ?? true)) throw e;
      const delayMs = opts.immediate?.(e) ? 0 : backoffDelay(attempt + 1, opts);
      opts.onRetry?.({ attempt: attempt + 1, delayMs, error: e });
      await doSleep(delayMs, opts.signal);
    }
  }
}
