import type { DB } from '../storage/db.js';
import { CacheRepo } from '../storage/cache-repo.js';
import { cacheKey } from './cache-key.js';
import type { ChatMessage, ModelRef, Usage } from './types.js';

export type AnswerKind = 'text' | 'object';

/** Re-checks a cached value against today's schema; a stale shape counts as a miss. */
export type Revalidate<T> = (v: unknown) => { ok: true; value: T } | { ok: false };

/**
 * The response cache of validated answers, keyed by sha256 of (provider, model, kind, messages,
 * schema, temperature, seed, maxTokens). It is an optimisation: a busy or broken database costs a
 * warning, never the user's answer.
 */
export class AnswerCache {
  private readonly repo?: CacheRepo;

  constructor(
    db: DB | undefined,
    private readonly warn: (w: string) => void,
  ) {
    if (db) this.repo = new CacheRepo(db);
  }

  /** The key an answer is stored under (the original question, so a re-asked answer still hits). */
  key(
    ref: ModelRef,
    kind: AnswerKind,
    messages: readonly ChatMessage[],
    jsonSchema: Record<string, unknown> | undefined,
    req: { temperature?: number; maxTokens?: number },
  ): string {
    return cacheKey({
      provider: ref.provider,
      model: ref.model,
      kind,
      messages,
      ...(jsonSchema ? { schema: jsonSchema } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
    });
  }

  /** A cached answer that still validates, with the tokens it cost; undefined on a miss. */
  get<T>(key: string, revalidate: Revalidate<T>): { value: T; usage: Usage } | undefined {
    const e = this.safely('cache read', () => this.repo?.get(key));
    if (!e) return undefined;
    let v: ReturnType<Revalidate<T>> = { ok: false };
    try {
      v = revalidate(JSON.parse(e.value));
    } catch {
      /* unreadable entry: treated as a miss and replaced below */
    }
    if (!v.ok) {
      this.safely('cache delete', () => this.repo?.delete(key));
      return undefined;
    }
    return { value: v.value, usage: { promptTokens: e.promptTokens, completionTokens: e.completionTokens } };
  }

  /** Stores a validated answer. */
  put(key: string, model: string, kind: AnswerKind, value: unknown, usage: Usage): void {
    this.safely('cache write', () =>
      this.repo?.put({
        key,
        model,
        kind,
        value: JSON.stringify(value),
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
      }),
    );
  }

  private safely<R>(what: string, fn: () => R): R | undefined {
    try {
      return fn();
    } catch (e) {
      this.warn(`${what} failed: ${(e as Error).message}`);
      return undefined;
    }
  }
}
