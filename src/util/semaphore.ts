import { abortedError } from '../errors.js';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * The one counting semaphore: at most `limit` holders at once, waiters served in FIFO order.
 * The executor bounds in-flight requests per endpoint with it (local servers run one or a few
 * requests at a time and queue the rest, so flooding them only adds latency and 503s); parse-prd
 * bounds its node concurrency with it. A queued waiter is cancelled by its AbortSignal without
 * ever taking a slot. The limit can change at run time (a pool learns an endpoint's capacity).
 */
export class Semaphore {
  private active = 0;
  private readonly queue: Waiter[] = [];
  private max: number;

  constructor(limit: number) {
    this.max = Semaphore.check(limit);
  }

  private static check(limit: number): number {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    return limit;
  }

  /** Holders allowed at once. */
  get limit(): number {
    return this.max;
  }

  /** Changes the limit; a raise lets waiters in at once, a cut takes effect as holders leave. */
  set limit(n: number) {
    this.max = Semaphore.check(n);
    while (this.active < this.max && this.queue.length > 0) this.handOver();
  }

  /** Holders now. */
  get inFlight(): number {
    return this.active;
  }

  /** Waiters queued for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Waits for a slot; rejects with ABORTED if the signal fires first. Call release() exactly once after. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (this.active < this.max) {
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

  /** Frees a slot and hands it to the next waiter (unless the limit was cut meanwhile). */
  release(): void {
    this.active = Math.max(0, this.active - 1);
    if (this.active < this.max && this.queue.length > 0) this.handOver();
  }

  private handOver(): void {
    const next = this.queue.shift()!;
    if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
    this.active += 1;
    next.resolve();
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
