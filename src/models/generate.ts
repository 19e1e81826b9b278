import { AppError } from '../errors.js';
import type { AnswerCache, AnswerKind, Revalidate } from './answer-cache.js';
import type { Collected, Executor, RequestState, Verdict } from './executor.js';
import { failureError } from './outcome.js';
import type { RouteResult } from './routing.js';
import { reaskMessage } from './structured.js';
import type { ChatMessage, ModelRef, TaskRequest, Usage } from './types.js';

/** A parsed answer: the value, or why it is not valid (with the text the model wrote). */
export type Checked<T> = { ok: true; value: T; text: string } | { ok: false; error: string; text: string };

/** The answer a candidate loop produced. */
export interface Produced<T> {
  value: T;
  ref: ModelRef;
  usage: Usage;
  cached: boolean;
  text?: string;
}

export interface CandidateLoop<T> {
  exec: Executor;
  cache: AnswerCache;
  useCache: boolean;
  kind: AnswerKind;
  jsonSchema: Record<string, unknown> | undefined;
  check: (c: Collected) => Checked<T>;
  revalidate: Revalidate<T>;
  /** Records a cache hit in the ledger. */
  onHit: (ref: ModelRef, usage: Usage) => void;
}

/** The chat request for a candidate: the task's settings over the model's own. */
export function chatRequest(ref: ModelRef, task: TaskRequest, messages: ChatMessage[], jsonSchema?: object) {
  const temperature = task.temperature ?? ref.temperature;
  const maxTokens = task.maxTokens ?? ref.maxTokens;
  return {
    model: ref.model,
    messages,
    ...(jsonSchema ? { jsonSchema: jsonSchema as Record<string, unknown> } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  };
}

/**
 * Walks the candidates in order: a cached answer wins at once; otherwise ask (the executor retries
 * transient failures), re-ask a structured answer once with the validation errors, and move on to
 * the next candidate after a failure. Cancellation and privacy refusals stop the walk.
 */
export async function runCandidates<T>(
  o: CandidateLoop<T>,
  plan: RouteResult,
  task: TaskRequest,
  st: RequestState,
): Promise<Produced<T>> {
  let lastInvalid: string | undefined;
  let lastError: unknown;
  for (const [i, ref] of plan.candidates.entries()) {
    const base = chatRequest(ref, task, task.messages, o.jsonSchema);
    const key = o.cache.key(ref, o.kind, task.messages, o.jsonSchema, base);
    const hit = o.useCache ? o.cache.get(key, o.revalidate) : undefined;
    if (hit) {
      o.onHit(ref, hit.usage);
      return { value: hit.value, ref, usage: hit.usage, cached: true };
    }
    let messages = task.messages;
    let invalidHere = false;
    for (const attemptKind of ['first', 'reask'] as const) {
      // Only structured answers are re-asked; a transport failure goes straight to the next model.
      if (attemptKind === 'reask' && (o.kind !== 'object' || !invalidHere)) break;
      let parsed: Checked<T> | undefined;
      const verify = (c: Collected): Verdict => {
        parsed = o.check(c);
        return parsed.ok ? { ok: true } : { ok: false, error: parsed.error };
      };
      try {
        await o.exec.chat(
          ref,
          chatRequest(ref, task, messages, o.jsonSchema),
          st,
          attemptKind === 'reask' ? 'reask' : i === 0 ? 'first' : 'fallback',
          o.kind === 'object' ? 'object' : 'chat',
          verify,
        );
      } catch (e) {
        if (e instanceof AppError && (e.code === 'ABORTED' || e.code === 'PRIVACY_REFUSED')) throw e;
        lastError = e;
        break;
      }
      const p = parsed!;
      if (p.ok) {
        // Cached under the original question, so the next run hits without re-asking.
        o.cache.put(key, ref.model, o.kind, p.value, st.lastUsage ?? st.usage);
        return { value: p.value, ref, usage: st.usage, cached: false, text: p.text };
      }
      lastInvalid = p.error;
      invalidHere = true;
      messages = [...task.messages, { role: 'assistant', content: p.text }, reaskMessage(p.error)];
    }
  }
  throw failureError(plan, st, lastInvalid, lastError);
}
