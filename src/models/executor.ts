import { AppError, ProviderError, abortedError, isAbortError } from '../errors.js';
import { hostOf } from '../config/hosts.js';
import type { LocalSection } from '../config/schema.js';
import { CircuitBreaker, type BreakerOptions } from './circuit-breaker.js';
import { Semaphore } from '../util/semaphore.js';
import { retryWithBackoff } from './retry.js';
import { assertAllowed, type PrivacyContext } from './privacy.js';
import type { ProviderPool } from './provider-pool.js';
import type { Attempt, CallRecord, ChatRequest, ModelProvider, ModelRef, TaskRequest, Usage } from './types.js';

/** A whole streamed answer. */
export interface Collected {
  text: string;
  usage: Usage;
  finishReason?: string;
}

/** Verdict on a collected answer; an invalid one is recorded as a failed attempt (no retry here). */
export type Verdict = { ok: true } | { ok: false; error: string };

/** A failure seen during one request, reported to hooks once the request's outcome is known. */
export interface SeenFailure {
  error: unknown;
  ref: ModelRef;
  operation: string;
  /** When it failed (epoch ms), so recovery can time the recovery from here. */
  atMs: number;
}

/** What one request shares across its attempts. */
export interface RequestState {
  task: Pick<TaskRequest, 'type' | 'promptId' | 'component' | 'signal' | 'onProgress'>;
  attempts: Attempt[];
  failures: SeenFailure[];
  /** Tokens of every attempt of this request (what it cost). */
  usage: Usage;
  /** Tokens of the latest attempt (what a cached copy of its answer is worth). */
  lastUsage?: Usage;
}

export interface ExecutorOptions {
  pool: ProviderPool;
  privacy: PrivacyContext;
  local: LocalSection;
  breaker?: BreakerOptions;
  /** First retry delay; doubles each retry, with jitter. */
  backoffMs?: number;
  contextCap?: number;
  record: (rec: CallRecord) => void;
}

/** Codes meaning "this model cannot be reached right now" (as opposed to a bad answer). */
export const UNAVAILABLE_CODES = new Set(['PROVIDER_UNREACHABLE', 'CIRCUIT_OPEN', 'MODEL_NOT_FOUND', 'TIMEOUT']);

/** Whether an error says the model/server is unavailable. */
export function isUnavailable(e: unknown): boolean {
  if (!(e instanceof AppError)) return false;
  return UNAVAILABLE_CODES.has(e.code) || (e instanceof ProviderError && e.status === 404);
}

/** Whether an error says something about the endpoint's health (feeds the circuit breaker). */
function isEndpointFailure(e: unknown): boolean {
  if (!(e instanceof ProviderError)) return false;
  return e.retryable || e.code === 'PROVIDER_UNREACHABLE' || e.code === 'TIMEOUT';
}

/**
 * Runs single calls against one model: privacy guard, circuit breaker, concurrency limit,
 * timeouts, cancellation, retries with backoff, and one ledger record per attempt.
 */
export class Executor {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly limiters = new Map<string, Semaphore>();
  private readonly ctxLengths = new Map<string, Promise<number | undefined>>();

  constructor(private readonly o: ExecutorOptions) {}

  /** The breaker of an endpoint (created on first use). */
  breaker(ref: ModelRef): CircuitBreaker {
    const k = endpointKey(ref);
    let b = this.breakers.get(k);
    if (!b) this.breakers.set(k, (b = new CircuitBreaker(k, this.o.breaker)));
    return b;
  }

  /** The concurrency limiter of an endpoint (local.concurrency slots). */
  limiter(ref: ModelRef): Semaphore {
    const k = endpointKey(ref);
    let l = this.limiters.get(k);
    if (!l) this.limiters.set(k, (l = new Semaphore(this.o.local.concurrency)));
    return l;
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
      async (provider, signal) => {
        const contextLength = await this.contextLength(ref, provider);
        progress(st, { type: 'model-call', model: ref.alias, attempt: kind });
        const onText = (chars: number, delta: string) =>
          progress(st, { type: 'model-tokens', model: ref.alias, chars, delta });
        const collected = await collect(
          provider.chat({ ...req, ...(contextLength ? { contextLength } : {}) }, signal),
          signal,
          this.o.local.timeouts.idleMs,
          onText,
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
      async (provider, signal) => {
        const vectors = await provider.embed(ref.model, texts, signal);
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

  private async withRetries<R>(
    ref: ModelRef,
    st: RequestState,
    kind: Attempt['kind'],
    operation: CallRecord['operation'],
    fn: (p: ModelProvider, signal: AbortSignal) => Promise<{ result: R; usage: Usage }>,
    verdictOf: (r: R) => Verdict,
  ): Promise<R> {
    assertAllowed(ref, this.o.privacy); // before any provider exists for this ref: no socket can open
    let attemptNo = 0;
    return retryWithBackoff(
      async () => {
        const started = performance.now();
        const attemptKind = attemptNo++ === 0 ? kind : 'retry';
        try {
          const { result, usage } = await this.once(ref, st.task.signal, fn);
          const v = verdictOf(result);
          this.note(
            ref,
            st,
            operation,
            attemptKind,
            started,
            usage,
            v.ok ? undefined : new AppError('MODEL_OUTPUT_INVALID', v.error),
          );
          return result;
        } catch (e) {
          const err = st.task.signal?.aborted ? abortedError(st.task.signal, 'model call cancelled') : e;
          this.note(ref, st, operation, attemptKind, started, { promptTokens: 0, completionTokens: 0 }, err);
          throw err;
        }
      },
      {
        retries: this.o.local.retries,
        baseMs: this.o.backoffMs ?? 500,
        ...(st.task.signal ? { signal: st.task.signal } : {}),
        shouldRetry: (e) => e instanceof ProviderError && e.retryable,
      },
    );
  }

  private async once<R>(
    ref: ModelRef,
    userSignal: AbortSignal | undefined,
    fn: (p: ModelProvider, signal: AbortSignal) => Promise<{ result: R; usage: Usage }>,
  ): Promise<{ result: R; usage: Usage }> {
    const breaker = this.breaker(ref);
    breaker.enter();
    const limiter = this.limiter(ref);
    try {
      await limiter.acquire(userSignal);
    } catch (e) {
      breaker.release();
      throw e;
    }
    const timeout = AbortSignal.timeout(this.o.local.timeouts.requestMs);
    const signal = userSignal ? AbortSignal.any([userSignal, timeout]) : timeout;
    try {
      const provider = await this.o.pool.get(ref.provider, ref.endpoint ?? '');
      const out = await fn(provider, signal);
      breaker.success();
      return out;
    } catch (e) {
      const err = userSignal?.aborted
        ? abortedError(userSignal, 'model call cancelled')
        : timeout.aborted && (isAbortError(e) || !(e instanceof AppError))
          ? new ProviderError('TIMEOUT', `${ref.alias} did not answer within ${this.o.local.timeouts.requestMs} ms`, {
              hint: 'raise local.timeouts.requestMs, or use a smaller model',
              cause: e,
            })
          : e;
      if (isEndpointFailure(err)) breaker.failure();
      else if (userSignal?.aborted) breaker.release();
      else breaker.success(); // the server answered (e.g. 404, 400): it is up
      throw err;
    } finally {
      limiter.release();
    }
  }

  private note(
    ref: ModelRef,
    st: RequestState,
    operation: CallRecord['operation'],
    kind: Attempt['kind'],
    started: number,
    usage: Usage,
    error?: unknown,
  ): void {
    const durationMs = performance.now() - started;
    const code = error instanceof AppError ? error.code : error ? 'INTERNAL' : undefined;
    const attempt: Attempt = { model: ref.model, provider: ref.provider, ok: !error, durationMs, kind };
    if (error) {
      attempt.error = (error as Error).message;
      attempt.errorCode = code;
      st.failures.push({ error, ref, operation, atMs: Date.now() });
    }
    st.attempts.push(attempt);
    st.lastUsage = usage;
    st.usage.promptTokens += usage.promptTokens;
    st.usage.completionTokens += usage.completionTokens;
    if (usage.cachedPromptTokens !== undefined)
      st.usage.cachedPromptTokens = (st.usage.cachedPromptTokens ?? 0) + usage.cachedPromptTokens;
    this.o.record({
      component: st.task.component ?? 'model',
      operation,
      provider: ref.provider,
      host: ref.endpoint ? hostOf(ref.endpoint) : 'embedded',
      local: ref.local,
      model: ref.model,
      ...(st.task.type ? { taskType: st.task.type } : {}),
      ...(st.task.promptId ? { promptId: st.task.promptId } : {}),
      promptTokens: usage.promptTokens,
      ...(usage.cachedPromptTokens !== undefined ? { cachedPromptTokens: usage.cachedPromptTokens } : {}),
      completionTokens: usage.completionTokens,
      durationMs,
      cached: false,
      ok: !error,
      ...(code ? { errorCode: code } : {}),
    });
  }

  /** num_ctx for a ref: constant per model so the server never reloads it for a new size. */
  private contextLength(ref: ModelRef, provider: ModelProvider): Promise<number | undefined> {
    if (ref.contextLength) return Promise.resolve(ref.contextLength);
    const k = `${endpointKey(ref)}|${ref.model}`;
    let p = this.ctxLengths.get(k);
    if (!p) {
      const cap = this.o.contextCap ?? 8192;
      p = (
        provider.contextLength?.(ref.model, AbortSignal.timeout(this.o.local.timeouts.probeMs)) ??
        Promise.resolve(undefined)
      )
        .then((n) => (n ? Math.min(n, cap) : undefined))
        .catch(() => undefined);
      this.ctxLengths.set(k, p);
    }
    return p;
  }
}

/** Progress for spinners ("loading model…", characters so far); a broken listener never fails a call. */
function progress(st: RequestState, e: { type: string; [k: string]: unknown }): void {
  try {
    st.task.onProgress?.(e);
  } catch {
    /* display only */
  }
}

function endpointKey(ref: ModelRef): string {
  return ref.endpoint ?? `${ref.provider}:embedded`;
}

/** Reads a stream to the end; an idle gap longer than idleMs fails the call as TIMEOUT. */
async function collect(
  stream: AsyncIterable<{ type: string; text?: string; usage?: Usage; finishReason?: string }>,
  signal: AbortSignal,
  idleMs: number,
  onText: (chars: number, delta: string) => void,
): Promise<Collected> {
  let text = '';
  let usage: Usage = { promptTokens: 0, completionTokens: 0 };
  let finishReason: string | undefined;
  const it = stream[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<never>((_, rej) => {
      timer = setTimeout(
        () =>
          rej(
            new ProviderError('TIMEOUT', `no data for ${idleMs} ms`, {
              hint: 'the server stalled; raise local.timeouts.idleMs for slow CPUs',
            }),
          ),
        idleMs,
      );
    });
    let next: IteratorResult<{ type: string; text?: string; usage?: Usage; finishReason?: string }>;
    try {
      next = await Promise.race([it.next(), idle]);
    } catch (e) {
      void it.return?.();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    if (next.done) break;
    const c = next.value;
    if (c.type === 'delta' && c.text) {
      text += c.text;
      onText(text.length, c.text);
    } else if (c.type === 'done') {
      if (c.usage) usage = c.usage;
      finishReason = c.finishReason;
    }
    if (signal.aborted) {
      void it.return?.();
      throw signal.reason ?? abortedError(signal);
    }
  }
  return { text, usage, ...(finishReason ? { finishReason } : {}) };
}
