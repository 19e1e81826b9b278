import { type AppError, ProviderError } from '../../errors.js';

/**
 * One model call's cancellation: the caller's AbortSignal, an overall request timeout, and an
 * idle timeout between body chunks (armed once headers arrive, so a cold model load is bounded by
 * the request timeout only). `wrapFetch` applies all three to any fetch-based client.
 */
export class CallGuard {
  private readonly ctl = new AbortController();
  private requestTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private readonly onOuterAbort = () => this.abort('aborted');
  /** Why the call was cut, once it was. */
  reason?: 'aborted' | 'timeout' | 'idle';

  constructor(
    private readonly outer: AbortSignal | undefined,
    private readonly requestTimeoutMs?: number,
    private readonly idleTimeoutMs?: number,
  ) {
    if (outer?.aborted) this.abort('aborted');
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    if (requestTimeoutMs && requestTimeoutMs > 0) {
      this.requestTimer = setTimeout(() => this.abort('timeout'), requestTimeoutMs);
    }
  }

  /** Signal that fires on abort or timeout. */
  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  private abort(reason: 'aborted' | 'timeout' | 'idle'): void {
    if (this.ctl.signal.aborted) return;
    this.reason = reason;
    this.ctl.abort();
  }

  /** Data arrived: restart the idle timer. */
  touch(): void {
    if (!this.idleTimeoutMs || this.idleTimeoutMs <= 0 || this.ctl.signal.aborted) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.abort('idle'), this.idleTimeoutMs);
  }

  /** Throws the abort/timeout error now if the call was already cut. */
  check(): void {
    if (this.reason) throw this.error();
  }

  /** The error for a cut call: ABORTED for the caller's signal, TIMEOUT (retryable) otherwise. */
  error(): AppError {
    if (this.reason === 'aborted') return new ProviderError('ABORTED', 'the model call was cancelled');
    const idle = this.reason === 'idle';
    const ms = idle ? this.idleTimeoutMs : this.requestTimeoutMs;
    return new ProviderError(
      'TIMEOUT',
      idle ? `the model server sent nothing for ${ms} ms` : `the model call took longer than ${ms} ms`,
      {
        retryable: true,
        hint: 'the server may be overloaded or still loading the model; raise local.timeouts in .taskmaster/config.json if this model is slow',
      },
    );
  }

  /** A fetch that carries this guard's signal and restarts the idle timer on each body chunk. */
  wrapFetch(base: typeof fetch): typeof fetch {
    return async (input, init) => {
      const signal = init?.signal ? AbortSignal.any([this.ctl.signal, init.signal]) : this.ctl.signal;
      const res = await base(input, { ...init, signal });
      this.touch();
      if (!res.body) return res;
      const touch = () => this.touch();
      const body = res.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, c) {
            touch();
            c.enqueue(chunk);
          },
        }),
      );
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    };
  }

  /** Stops the timers and detaches from the caller's signal. */
  dispose(): void {
    clearTimeout(this.requestTimer);
    clearTimeout(this.idleTimer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}
