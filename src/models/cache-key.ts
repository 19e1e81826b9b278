import { createHash } from 'node:crypto';
import type { ChatMessage, ProviderKind } from './types.js';

/** Everything that changes an answer; two calls with equal parts get the same cached answer. */
export interface CacheKeyParts {
  provider: ProviderKind;
  model: string;
  kind: 'text' | 'object' | 'embed';
  messages: readonly ChatMessage[];
  schema?: Record<string, unknown>;
  temperature?: number;
  seed?: number;
  maxTokens?: number;
}

/** Canonical JSON: object keys sorted, so key order in a schema never splits the cache. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** sha256 over the canonical form of the parts. */
export function cacheKey(p: CacheKeyParts): string {
  const parts = {
    provider: p.provider,
    model: p.model,
    kind: p.kind,
    messages: p.messages.map((m) => ({ role: m.role, content: m.content })),
    schema: p.schema ?? null,
    temperature: p.temperature ?? null,
    seed: p.seed ?? null,
    maxTokens: p.maxTokens ?? null,
  };
  return createHash('sha256').update(canonical(parts)).digest('hex');
}
