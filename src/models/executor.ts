import { AppError, ProviderError, abortedError } from '../errors.js';
import type { LocalSection } from '../config/schema.js';
import { Semaphore } from '../util/semaphore.js';
import { sleep } from '../util/sleep.js';
import { CircuitBreaker, type BreakerOptions } from './circuit-breaker.js';
import { collect, type Collected } from './collect.js';
import { DeadlineWatch, probeSignal, timeoutError } from './deadline.js';
import { Silence } from './silence.js';
import { assertAllowed, type PrivacyContext } from './privacy.js';
import { endpointKey, noteAttempt, progress } from './attempt-ledger.js';
import type { Lease } from './endpoint-pool.js';
import { configuredCapacity, Pools, type PoolStatus } from './pools.js';
import type { ProviderPool } from './provider-pool.js';
import { retryWithBackoff } from './retry.js';
import type {
  Attempt,
  CallRecord,
  ChatRequest,
  Deadlines,
  ModelProvider,
  ModelRef,
  TaskRequest,
  Usage,
} from './types.js';

export type { Collected };

/** Verdict on a collected answer; an invalid one is recorded as a failed attempt (no retry here). */
export type Verdict = { ok: true } | { ok: false; error: string };

export type { RequestState, SeenFailure } from './attempt-ledger.js';
import type { RequestState } from './attempt-ledger.js';

export interface ExecutorOptions {
  pool: ProviderPool;
  privacy: PrivacyContext;
  local: LocalSection;
  breaker?: BreakerOptions;
  /** First retry delay; doubles each retry, with jitter. */
  backoffMs?: number;
  contextCap?: number;
  record: (rec: CallRecord) => void;
  /** Things worth saying once about pools (a member unreachable). */
  note?: (message: string) => void;
}

/** Codes meaning "this model cannot be reached right now" (as opposed to a bad answer or a hung server). */
export const UNAVAILABLE_CODES = new Set(['PROVIDER_UNREACHABLE', 'CIRCUIT_OPEN', 'MODEL_NOT_FOUND']);

/** Whether an error says the model/server is unavailable. */
export function isUnavailable(e: unknown): boolean {
  if (!(e instanceof AppError)) return false;
  return UNAVAILABLE_CODES.has(e.code) || (e instanceof ProviderError && e.status === 404);
}

/** Whether an error says something about the endpoint's health (feeds the circuit breaker). */
function isEndpointFailure(e: unknown): boolean {
  if (!(e instanceof ProviderError)) return false;
  return e.retryable || e.code === 'PROVIDER_UNREACHABLE';
}

/** Whether a pooled request that failed this way should move to another member of the pool. */
function isFailover(e: unknown): boolean {
  return isEndpointFailure(e) || (e instanceof AppError && (e.code === 'TIMEOUT' || e.code === 'CIRCUIT_OPEN'));
}

/** Where one attempt runs: the endpoint (a pool member for a pooled model) and its first-byte signal. */
interface AttemptAt {
  member: ModelRef;
  heard(): void;
}

type Attemptable<R> = (
  provider: ModelProvider,
  watch: DeadlineWatch,
  at: AttemptAt,
) => Promise<{ result: R; usage: Usage }>;

/**
 * The one timeout, abort and retry layer: runs single calls against one model with the privacy
 * guard, the endpoint's circuit breaker and concurrency limit, the deadlines (first token, idle,
 * total; see DeadlineWatch), cancellation, retries with backoff for transient failures, and one
 * ledger record per attempt. A TIMEOUT is never retried on the same endpoint: the endpoint's
 * breaker opens, and the caller moves on to the next candidate.
 */
export class Executor {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly limiters = new Map<string, Semaphore>();
  /** Last time any data arrived from an endpoint, for any request (queueing evidence). */
  private readonly activity = new Map<string, number>();
  /** Send times of the attempts in flight per endpoint: an older one still running means this one is queued. */
  private readonly sent = new Map<string, Set<number>>();
  private readonly ctxLengths = new Map<string, Promise<number | undefined>>();
  private readonly silence: Silence;
  private readonly pools: Pools;

  constructor(private readonly o: ExecutorOptions) {
    this.silence = new Silence(Math.max(o.breaker?.cooldownMs ?? 30_000, 2 * o.local.timeouts.firstTokenMs));
    this.pools = new Pools({
      providers: o.pool,
      local: o.local,
      breaker: (endpoint) => this.breaker({ endpoint } as ModelRef),
      ...(o.note ? { note: o.note } : {}),
    });
  }

  /** Each pooled model used so far: its members' capacity and load. */
  poolStatus(): PoolStatus[] {
    return this.pools.status();
  }

  /** The breaker of an endpoint (created on first use). */
  breaker(ref: ModelRef): CircuitBreaker {
    const k = endpointKey(ref);
    let b = this.breakers.get(k);
    if (!b) this.breakers.set(k, (b = new CircuitBreaker(k, this.o.breaker)));
    return b;
  }

  /** The concurrency limiter of a single endpoint (its configured capacity, else local.concurrency slots). */
  limiter(ref: ModelRef): Semaphore {
    const k = endpointKey(ref);
    let l = this.limiters.get(k);
    const n = ref.endpoint ? configuredCapacity(ref, this.o.local)(ref.endpoint) : undefined;
    if (!l) this.limiters.set(k, (l = new Semaphore(n ?? this.o.local.concurrency)));
    return l;
  }

  /**
   * The deadlines for a task on an endpoint: local.timeouts, overridden per task. On an endpoint
   * where a model just went silent, the first-token and idle deadlines are a third as long: a
   * fallback there costs a third of a full wait if the whole server hangs, and a model being loaded
   * still gets its time (a load in progress extends the wait).
   */
  deadlines(task: Pick<TaskRequest, 'timeouts'>, ref?: ModelRef): Deadlines {
    const t = this.o.local.timeouts;
    const d = {
      firstTokenMs: task.timeouts?.firstTokenMs ?? t.firstTokenMs,
      idleMs: task.timeouts?.idleMs ?? t.idleMs,
      requestMs: task.timeouts?.requestMs ?? t.requestMs,
    };
    if (!ref || !this.silence.suspect(endpointKey(ref))) return d;
    return { ...d, firstTokenMs: Math.ceil(d.firstTokenMs / 3), idleMs: Math.ceil(d.idleMs / 3) };
  }

  /** One chat request with retries; resolves with the answer and whether it passed `verify`. */
  async chat(
    ref: ModelRef,
    req: Omit<ChatRequest, 'contextLength'>,
    st: RequestState,
    kind: Attempt['kind'],
    operation: 'chat' | 'object',
    verify: (c: Collected) => Verdict,
  ): Promise<{ collected: Collected; verdict: Verdict }> {
    return this.withRetries(
      ref,
      st,
      kind,
      operation,
      async (provider, watch, at) => {
        const key = endpointKey(at.member);
        const contextLength = await this.contextLength(ref, provider);
        progress(st, { type: 'model-call', model: ref.alias, attempt: kind });
        const collected = await collect(
          provider.chat({ ...req, ...(contextLength ? { contextLength } : {}) }, watch.signal),
          watch,
          (chars, delta) => {
            at.heard();
            this.activity.set(key, performance.now());
            this.silence.heard(key);
            // `delta` lets a caller parse the answer as it streams; a new `model-call` starts a new attempt.
            if (delta !== undefined) progress(st, { type: 'model-tokens', model: ref.alias, chars, delta });
          },
        );
        return { result: { collected, verdict: verify(collected) }, usage: collected.usage };
      },
      (r) => r.verdict,
    );
  }

  /** One embed batch with retries. */
  async embed(ref: ModelRef, texts: string[], st: RequestState): Promise<number[][]> {
    return this.withRetries(
      ref,
      st,
      'first',
      'embed',
      async (provider, watch) => {
        const vectors = await provider.embed(ref.model, texts, watch.signal);
        if (vectors.length !== texts.length) {
          throw new ProviderError(
            'PROVIDER_ERROR',
            `${ref.alias} returned ${vectors.length} embeddings for ${texts.length} texts`,
            { hint: 'the server answered with a malformed embeddings list' },
          );
        }
        // Rough count: servers do not all report embedding tokens.
        const promptTokens = Math.ceil(texts.reduce((n, t) => n + t.length, 0) / 4);
        return { result: vectors, usage: { promptTokens, completionTokens: 0 } };
      },
      () => ({ ok: true }),
    );
  }

  private withRetries<R>(
    ref: ModelRef,
    st: RequestState,
    kind: Attempt['kind'],
    operation: CallRecord['operation'],
    fn: Attemptable<R>,
    verdictOf: (r: R) => Verdict,
  ): Promise<R> {
    assertAllowed(ref, this.o.privacy); // before any provider exists for this ref: no socket can open
    const pool = this.pools.get(ref);
    // Members of a pool that failed this request: its retries go to the others.
    const avoid = new Set<string>();
    let n = 0;
    return retryWithBackoff(
      async () => {
        const started = performance.now();
        const attemptKind = n++ === 0 ? kind : 'retry';
        let member = ref;
        let taken = false; // a member was taken (a failure before that says nothing about one)
        try {
          const { result, usage } = await this.once(ref, st, fn, avoid, (m) => {
            member = m;
            taken = true;
          });
          const v = verdictOf(result);
          const invalid = v.ok ? undefined : new AppError('MODEL_OUTPUT_INVALID', v.error);
          noteAttempt(this.o, member, st, operation, attemptKind, started, usage, invalid);
          return result;
        } catch (e) {
          noteAttempt(this.o, member, st, operation, attemptKind, started, { promptTokens: 0, completionTokens: 0 }, e);
          if (pool && taken && member.endpoint && isFailover(e)) avoid.add(member.endpoint);
          throw e;
        }
      },
      {
        retries: this.o.local.retries,
        baseMs: this.o.backoffMs ?? 500,
        ...(st.task.signal ? { signal: st.task.signal } : {}),
        // A timed-out request is not sent again to the same endpoint: the caller falls back, or
        // (in a pool) another member takes it at once.
        shouldRetry: (e) =>
          (e instanceof ProviderError && e.retryable && e.code !== 'TIMEOUT') ||
          (!!pool && isFailover(e) && pool.hasOther(avoid)),
        immediate: (e) => !!pool && isFailover(e) && pool.hasOther(avoid),
      },
    );
  }

  /** Takes a member of the ref's pool (or the ref's own endpoint and limiter) for one attempt. */
  private async take(ref: ModelRef, st: RequestState, avoid: ReadonlySet<string>) {
    const pool = this.pools.get(ref);
    if (pool) {
      const lease: Lease = await pool.acquire(st.task.signal, avoid);
      const member = { ...ref, endpoint: lease.endpoint };
      try {
        this.silence.check(member, lease.endpoint);
      } catch (e) {
        this.breaker(member).release();
        lease.done(false);
        throw e;
      }
      return { member, lease };
    }
    this.silence.check(ref, endpointKey(ref));
    const breaker = this.breaker(ref);
    breaker.enter();
    const limiter = this.limiter(ref);
    try {
      await limiter.acquire(st.task.signal);
    } catch (e) {
      breaker.release();
      throw e;
    }
    return { member: ref, limiter };
  }

  private async once<R>(
    ref: ModelRef,
    st: RequestState,
    fn: Attemptable<R>,
    avoid: ReadonlySet<string>,
    onMember: (m: ModelRef) => void,
  ): Promise<{ result: R; usage: Usage }> {
    const userSignal = st.task.signal;
    const { member, lease, limiter } = await this.take(ref, st, avoid);
    onMember(member);
    const breaker = this.breaker(member);
    const d = this.deadlines(st.task, member);
    const key = endpointKey(member);
    let watch: DeadlineWatch | undefined;
    let ok = false;
    const sentAt = performance.now();
    const sent = this.sent.get(key) ?? new Set<number>();
    this.sent.set(key, sent.add(sentAt));
    try {
      const provider = await this.o.pool.get(member.provider, member.endpoint ?? '');
      watch = new DeadlineWatch(
        d,
        {
          loadState: async () => provider.loadState?.(probeSignal(this.o.local.timeouts)),
          // A server works through its queue in order: silence is explained while an older request of
          // ours is still in flight on the endpoint, or while data arrived there within the window (an
          // answer that just ended as this one's turn came). A hung server sends nothing to anyone: the
          // oldest request is cut at its deadline, then each queued one within a window of the last data.
          othersActive: (windowMs) =>
            [...sent].some((t) => t < sentAt) ||
            (this.activity.get(key) ?? Number.NEGATIVE_INFINITY) > performance.now() - windowMs,
        },
        userSignal,
        (e) => progress(st, { type: 'model-waiting', model: ref.alias, ...e }),
      );
      const at: AttemptAt = { member, heard: () => lease?.heard() };
      const out = await this.whileLoading(member, st, d, watch, () => fn(provider, watch!, at));
      breaker.success();
      ok = true;
      return out;
    } catch (e) {
      const cut = watch?.cut;
      const err = userSignal?.aborted
        ? abortedError(userSignal, 'model call cancelled')
        : cut
          ? timeoutError(member, cut, d)
          : e;
      if (cut && cut.phase !== 'total') {
        this.silence.silent(member, key, err as Error, breaker);
        // In a pool a silent member is ejected at once: the others answer meanwhile.
        if (lease) breaker.trip(`it went silent (${(err as Error).message})`);
        else breaker.release();
      } else if (lease && err instanceof AppError && err.code === 'PROVIDER_UNREACHABLE') {
        breaker.trip(`unreachable (${err.message})`);
        this.o.note?.(`${key} is unreachable; its pool works with the other endpoints`);
      } else if (isEndpointFailure(err)) breaker.failure();
      else if (userSignal?.aborted) breaker.release();
      else breaker.success(); // the server answered (e.g. 404, 400, or too slowly in total): it is up
      throw err;
    } finally {
      sent.delete(sentAt);
      watch?.dispose();
      limiter?.release();
      lease?.done(ok);
    }
  }

  /**
   * Runs one attempt; a server that answers "still loading its model" (llama.cpp's 503) is asked
   * again every second until it is ready or the request's time is up: a load is not a failure.
   */
  private async whileLoading<T>(
    ref: ModelRef,
    st: RequestState,
    d: Deadlines,
    watch: DeadlineWatch,
    attempt: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    for (;;) {
      try {
        return await attempt();
      } catch (e) {
        const loading = e instanceof ProviderError && e.details?.loading === true;
        if (!loading || watch.signal.aborted || performance.now() - started + 1000 >= d.requestMs) throw e;
        progress(st, {
          type: 'model-waiting',
          model: ref.alias,
          waitedMs: Math.round(performance.now() - started),
          loading: true,
          queued: false,
        });
        await sleep(1000, watch.signal).catch(() => undefined);
      }
    }
  }

  /** num_ctx for a ref: constant per model so the server never reloads it for a new size. */
  private contextLength(ref: ModelRef, provider: ModelProvider): Promise<number | undefined> {
    if (ref.contextLength) return Promise.resolve(ref.contextLength);
    const k = `${endpointKey(ref)}|${ref.model}`;
    let p = this.ctxLengths.get(k);
    if (!p) {
      const cap = this.o.contextCap ?? 8192;
      p = (provider.contextLength?.(ref.model, probeSignal(this.o.local.timeouts)) ?? Promise.resolve(undefined))
        .then((n) => (n ? Math.min(n, cap) : undefined))
        .catch(() => undefined);
      this.ctxLengths.set(k, p);
    }
    return p;
  }
}
