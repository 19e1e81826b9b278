import { AppError } from '../errors.js';
import { sleep as sleepBase } from '../util/sleep.js';

/** The error thrown when an AbortSignal cancels model work. */
export function abortedError(signal?: AbortSignal): AppError {
  return new AppError('ABORTED', 'model call cancelled', {
    hint: 'the operation was interrupted; run it again to resume',
    cause: signal?.reason,
  });
}

/** Sleeps `ms`, rejecting with ABORTED as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepBase(ms, signal, 'model call cancelled');
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A FIFO semaphore bounding in-flight requests to one endpoint. Local servers run one or a few
 * requests at a time and queue the rest, so flooding them only adds latency and 503s.
 * Queued work is cancelled by its AbortSignal without ever reaching the server.
 */
export class Limiter {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  /** Requests running now. */
  get inFlight(): number {
    return this.active;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Waits for a slot; rejects with ABORTED if the signal fires first. Call release() exactly once after. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(abortedError(signal));
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queue.push(w);
    });
  }

  /** Frees a slot and hands it to the next waiter. */
  release(): void {
    const next = this.queue.shift();
    if (next) {
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
      next.resolve(); // the slot passes over directly; `active` is unchanged
      return;
    }
    this.active = Math.max(0, this.active - 1);
  }

  /** Runs fn inside a slot. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
