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

// A schema object is reused for many calls (the model API converts each zod schema once): its canonical
// form is computed once too. Keyed by object, so a schema must not be changed after its first call.
const schemaText = new WeakMap<object, string>();
function canonicalSchema(schema: Record<string, unknown>): string {
  let t = schemaText.get(schema);
  if (t === undefined) schemaText.set(schema, (t = canonical(schema)));
  return t;
}

/** sha256 over the canonical form of the parts (hashed piece by piece, in canonical key order). */
export function cacheKey(p: CacheKeyParts): string {
  const h = createHash('sha256');
  const messages = p.messages.map((m) => canonical({ role: m.role, content: m.content })).join(',');
  // The keys of the parts object, sorted: kind, maxTokens, messages, model, provider, schema, seed, temperature.
  h.update(`{"kind":${canonical(p.kind)},"maxTokens":${canonical(p.maxTokens ?? null)},"messages":[`);
  h.update(messages);
  h.update(`],"model":${canonical(p.model)},"provider":${canonical(p.provider)},"schema":`);
  h.update(p.schema ? canonicalSchema(p.schema) : 'null');
  h.update(`,"seed":${canonical(p.seed ?? null)},"temperature":${canonical(p.temperature ?? null)}}`);
  return h.digest('hex');
}
