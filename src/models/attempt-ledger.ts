import { AppError } from '../errors.js';
import { hostOf } from '../config/hosts.js';
import { isRefLocal, type PrivacyContext } from './privacy.js';
import type { Attempt, CallRecord, ModelRef, TaskRequest, Usage } from './types.js';

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
  task: Pick<TaskRequest, 'type' | 'promptId' | 'component' | 'signal' | 'onProgress' | 'timeouts'>;
  attempts: Attempt[];
  failures: SeenFailure[];
  /** Tokens of every attempt of this request (what it cost). */
  usage: Usage;
  /** Tokens of the latest attempt (what a cached copy of its answer is worth). */
  lastUsage?: Usage;
}

/**
 * One attempt into the request's state and the ledger (one metrics row per attempt). `ref` is the
 * endpoint the attempt went to (a pool member for a pooled model).
 */
export function noteAttempt(
  o: { privacy: PrivacyContext; record: (rec: CallRecord) => void },
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
  o.record({
    component: st.task.component ?? 'model',
    operation,
    provider: ref.provider,
    host: ref.endpoint ? hostOf(ref.endpoint) : 'embedded',
    // What the guard decided, not what a hand-built ref claims.
    local: isRefLocal(ref, o.privacy.trustedHosts),
    model: ref.model,
    ...(st.task.type ? { taskType: st.task.type } : {}),
    ...(st.task.promptId ? { promptId: st.task.promptId } : {}),
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    ...(usage.cachedPromptTokens !== undefined ? { cachedPromptTokens: usage.cachedPromptTokens } : {}),
    durationMs,
    cached: false,
    ok: !error,
    ...(code ? { errorCode: code } : {}),
  });
}

/** Progress for spinners ("loading model…", characters so far); a broken listener never fails a call. */
export function progress(st: RequestState, e: { type: string; [k: string]: unknown }): void {
  try {
    st.task.onProgress?.(e);
  } catch {
    /* display only */
  }
}

export function endpointKey(ref: ModelRef): string {
  return ref.endpoint ?? `${ref.provider}:embedded`;
}
