import { AppError, ProviderError } from '../errors.js';
import { SERVER_NAME } from './providers/errors.js';
import type { Deadlines, LoadState, ModelRef } from './types.js';

/** Why the executor cut a call. */
export interface Cut {
  phase: 'first' | 'idle' | 'total';
  /** Time since the request was sent. */
  waitedMs: number;
  /** Time the phase's own deadline covered (the silence that was too long). */
  silentMs: number;
  chars: number;
  /** What the server said when asked about loads before giving up. */
  loadNote?: string;
}

/** What the watch asks when the first-token deadline passes: is the server doing something for us? */
export interface LifeSigns {
  /** The server's load state (undefined: it cannot tell, or did not answer in time). */
  loadState(): Promise<LoadState | undefined>;
  /** Whether other requests on the same endpoint received data lately (we are queued behind them). */
  othersActive(sinceMs: number): boolean;
}

/** Whether a load state says `model` (or the whole server) is loading. */
export function isLoading(ls: LoadState | undefined, model: string): boolean {
  if (!ls) return false;
  const base = (m: string) => m.toLowerCase().replace(/:latest$/, '');
  return ls.loading.some((m) => m === '*' || base(m) === base(model));
}

/**
 * The deadlines of one model call, as one AbortSignal the provider honours:
 * - first token: `firstTokenMs` from the request until the first chunk; when it passes, the server
 *   is asked whether a model load is in progress (and whether our other requests on it are
 *   moving), and the wait is extended while it is, up to `requestMs`;
 * - idle: `idleMs` between chunks once the answer streams;
 * - total: `requestMs` for the whole call.
 * `cut` says which one fired, so the error can say what the server did.
 */
export class DeadlineWatch {
  readonly signal: AbortSignal;
  cut?: Cut;
  private readonly ctl = new AbortController();
  private readonly started = performance.now();
  private chars = 0;
  private got = false;
  private idleArmed = false;
  private lastData = this.started;
  private timer?: NodeJS.Timeout;
  private readonly total: NodeJS.Timeout;
  private loadNote?: string;

  constructor(
    private readonly d: Deadlines,
    private readonly life: LifeSigns,
    userSignal: AbortSignal | undefined,
    private readonly onWait?: (e: { waitedMs: number; loading: boolean; queued: boolean }) => void,
  ) {
    this.signal = userSignal ? AbortSignal.any([userSignal, this.ctl.signal]) : this.ctl.signal;
    this.total = setTimeout(() => {
      // Nothing at all by the overall limit is the same silence as a missed first token.
      if (this.got) return this.stop('total', this.d.requestMs);
      this.loadNote ??= 'stopped at local.timeouts.requestMs';
      this.stop('first', this.d.requestMs);
    }, this.d.requestMs);
    this.arm(Math.min(this.d.firstTokenMs, this.d.requestMs), () => void this.firstDeadline());
  }

  /**
   * Data arrived (answer text or any other sign of work): the idle deadline restarts. The idle timer
   * is not reset on every token (a fast server sends thousands): when it fires it looks at the time
   * of the last data and waits for the rest of the window, so the call is cut at the same moment.
   */
  data(chars = 0): void {
    if (this.ctl.signal.aborted) return;
    this.got = true;
    this.chars += chars;
    this.lastData = performance.now();
    if (!this.idleArmed) {
      this.idleArmed = true;
      this.arm(this.d.idleMs, () => this.idleCheck());
    }
  }

  private idleCheck(): void {
    const silent = performance.now() - this.lastData;
    if (silent >= this.d.idleMs) return this.stop('idle', this.d.idleMs);
    this.arm(Math.max(1, this.d.idleMs - silent), () => this.idleCheck());
  }

  /** Whether any data arrived. */
  get answered(): boolean {
    return this.got;
  }

  private arm(ms: number, fn: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(fn, ms);
  }

  private elapsed(): number {
    return performance.now() - this.started;
  }

  private async firstDeadline(): Promise<void> {
    if (this.got || this.ctl.signal.aborted) return;
    const waited = this.elapsed();
    const windowMs = this.d.firstTokenMs;
    let loading = false;
    let queued = this.life.othersActive(windowMs);
    if (!queued) {
      const ls = await this.life.loadState().catch(() => undefined);
      if (this.got || this.ctl.signal.aborted) return;
      // Any load counts: while a server loads one model it queues requests for the others.
      loading = (ls?.loading.length ?? 0) > 0;
      queued = (ls?.busy ?? 0) > 0;
      this.loadNote =
        ls === undefined ? 'the server did not say whether a model is loading' : 'no model load in progress';
    }
    const left = this.d.requestMs - this.elapsed();
    if ((loading || queued) && left > 0) {
      this.onWait?.({ waitedMs: Math.round(waited), loading, queued });
      this.loadNote = loading ? 'a model load was in progress' : 'the server was busy with other requests';
      this.arm(Math.min(windowMs, left), () => void this.firstDeadline());
      return;
    }
    this.stop('first', windowMs);
  }

  private stop(phase: Cut['phase'], silentMs: number): void {
    if (this.ctl.signal.aborted) return;
    this.cut = {
      phase,
      waitedMs: Math.round(this.elapsed()),
      silentMs: phase === 'idle' ? Math.round(performance.now() - this.lastData) : silentMs,
      chars: this.chars,
      ...(this.loadNote ? { loadNote: this.loadNote } : {}),
    };
    this.ctl.abort(new Error(`deadline: ${phase}`));
  }

  /** Stops every timer. */
  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.total);
  }
}

const secs = (ms: number) => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);

/** The TIMEOUT error for a cut call: what the server did, for how long, and what to do. */
export function timeoutError(ref: ModelRef, cut: Cut, d: Deadlines): ProviderError {
  const name = SERVER_NAME[ref.provider];
  const where = ref.endpoint ? `${name} at ${ref.endpoint}` : name;
  const details = { ...cut, endpoint: ref.endpoint, model: ref.model, provider: ref.provider };
  if (cut.phase === 'first') {
    return new ProviderError(
      'TIMEOUT',
      `${where} accepted the request for ${ref.model} and sent nothing for ${secs(cut.waitedMs)}; ${cut.loadNote ?? 'no model load in progress'}`,
      {
        details,
        hint: `the server is running but not answering: restart it${ref.provider === 'ollama' ? ' (quit Ollama, then `ollama serve`)' : ''}, or raise local.timeouts.firstTokenMs (now ${d.firstTokenMs} ms) if the model is only slow`,
      },
    );
  }
  if (cut.phase === 'idle') {
    return new ProviderError(
      'TIMEOUT',
      `${where} stopped sending ${ref.model}'s answer after ${cut.chars} characters: nothing for ${secs(cut.silentMs)}`,
      {
        details,
        hint: `the server stalled mid-answer: restart it, or raise local.timeouts.idleMs (now ${d.idleMs} ms) on a very slow machine`,
      },
    );
  }
  return new ProviderError('TIMEOUT', `${where} did not finish ${ref.model}'s answer within ${secs(cut.waitedMs)}`, {
    details,
    hint: `raise local.timeouts.requestMs (now ${d.requestMs} ms), or ask for less work per call`,
  });
}

/**
 * The deadline of a probe: what the tool asks a server besides model calls (discovery's model list,
 * load state, context length, capacity, health). A probe is not a model call, so it does not run as
 * an executor attempt: it must not take one of the endpoint's slots (it would queue behind the run's
 * own requests, and a load-state probe asked from inside an attempt would wait for itself), it says
 * nothing to the endpoint's breaker, and it writes no call record. Its deadline comes from the same
 * local.timeouts the executor reads: probeMs, unless the caller gives its own, joined with the
 * caller's signal.
 */
export function probeSignal(timeouts: { probeMs: number }, o: { ms?: number; signal?: AbortSignal } = {}): AbortSignal {
  const t = AbortSignal.timeout(o.ms ?? timeouts.probeMs);
  return o.signal ? AbortSignal.any([t, o.signal]) : t;
}

/**
 * A probe whose answer matters (discovery: a server that misses it counts as down for the run): a
 * busy machine can miss one short deadline, so a probe that does is asked once more with twice the
 * time, which tells slow from hung; a second miss is the TIMEOUT `timedOut(ms)` builds. Any other
 * failure is thrown as it is, at once.
 */
export async function probeWithSecondLook<T>(
  timeouts: { probeMs: number },
  fn: (signal: AbortSignal) => Promise<T>,
  timedOut: (ms: number) => AppError,
): Promise<T> {
  const look = async (ms: number) => {
    const deadline = probeSignal(timeouts, { ms });
    try {
      return await fn(deadline);
    } catch (e) {
      if (!deadline.aborted) throw e;
      throw timedOut(ms);
    }
  };
  return look(timeouts.probeMs).catch((e: unknown) => {
    if (e instanceof AppError && e.code === 'TIMEOUT') return look(timeouts.probeMs * 2);
    throw e;
  });
}
