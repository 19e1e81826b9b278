import { type Rng, randInt } from './rng.js';
import type { AnswerShape } from './types.js';

/** A JSON Schema (the subset LLM servers accept) as plain data. */
export type JsonSchema = Record<string, unknown>;

interface Ctx {
  rng: Rng;
  words: string[];
  root: JsonSchema;
  depth: number;
  shape?: AnswerShape;
  /** Name of the property being built (array items inherit their array's name). */
  key?: string;
}

/**
 * Builds a valid instance of `schema` from prompt words, deterministically for a given PRNG.
 * Supports type (incl. type arrays and nullable), enum/const, anyOf/oneOf (first non-null
 * branch), allOf (merged), $ref into $defs/definitions, string length and common formats,
 * number/integer bounds and multipleOf, array item counts (default 2–3) and uniqueness,
 * objects with all declared properties. `pattern` is not honoured. `shape` asks for answers of real
 * length: N words per string and N items per array, by property name ('*' for any), within the
 * schema's bounds.
 */
export function schemaInstance(schema: JsonSchema, rng: Rng, words: string[], shape?: AnswerShape): unknown {
  return build(schema, { rng, words, root: schema, depth: 0, shape });
}

function sized(spec: number | Record<string, number> | undefined, key: string | undefined): number | undefined {
  if (spec === undefined || typeof spec === 'number') return spec;
  return (key !== undefined ? spec[key] : undefined) ?? spec['*'];
}

function resolveRef(ref: string, root: JsonSchema): JsonSchema {
  if (ref === '#') return root;
  const parts = ref
    .replace(/^#\//, '')
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = root;
  for (const p of parts) cur = (cur as Record<string, unknown> | undefined)?.[p];
  if (!cur || typeof cur !== 'object') throw new Error(`fake server: unresolvable $ref ${ref}`);
  return cur as JsonSchema;
}

function isNullSchema(s: unknown): boolean {
  return !!s && typeof s === 'object' && (s as JsonSchema).type === 'null';
}

function build(schema: JsonSchema | boolean, ctx: Ctx): unknown {
  if (schema === true || schema === false) return pick(ctx.words, ctx.rng);
  if (ctx.depth > 12) return null;
  const next = { ...ctx, depth: ctx.depth + 1 };
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(schema.$ref, ctx.root);
    return build({ ...target, ...withoutKeys(schema, ['$ref']) }, next);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum[Math.floor(ctx.rng() * schema.enum.length)];
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      const branch = branches.find((b) => !isNullSchema(b)) ?? branches[0];
      return build({ ...withoutKeys(schema, [key]), ...(branch as JsonSchema) }, next);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const merged = (schema.allOf as JsonSchema[]).reduce<JsonSchema>(
      (acc, s) => mergeSchemas(acc, s),
      withoutKeys(schema, ['allOf']),
    );
    return build(merged, next);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? 'null';
  if (type === undefined) {
    if (schema.properties) type = 'object';
    else if (schema.items || schema.prefixItems) type = 'array';
    else type = 'string';
  }
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return ctx.rng() < 0.5;
    case 'integer':
      return integer(schema, ctx.rng);
    case 'number':
      return number(schema, ctx.rng);
    case 'string':
      return str(schema, ctx);
    case 'array':
      return array(schema, next);
    case 'object':
      return object(schema, next);
    default:
      throw new Error(`fake server: unsupported schema type ${String(type)}`);
  }
}

function withoutKeys(s: JsonSchema, keys: string[]): JsonSchema {
  const out: JsonSchema = { ...s };
  for (const k of keys) delete out[k];
  return out;
}

function mergeSchemas(a: JsonSchema, b: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...a, ...b };
  if (a.properties || b.properties) {
    out.properties = { ...(a.properties as object), ...(b.properties as object) };
  }
  if (a.required || b.required) {
    out.required = [...new Set([...((a.required as string[]) ?? []), ...((b.required as string[]) ?? [])])];
  }
  return out;
}

function pick(words: string[], rng: Rng): string {
  return words[Math.floor(rng() * words.length)]!;
}

function bounds(schema: JsonSchema, integerStep: boolean): [number, number] {
  const eps = integerStep ? 1 : 1e-6;
  let lo = typeof schema.minimum === 'number' ? schema.minimum : -Infinity;
  let hi = typeof schema.maximum === 'number' ? schema.maximum : Infinity;
  if (typeof schema.exclusiveMinimum === 'number') lo = Math.max(lo, schema.exclusiveMinimum + eps);
  if (typeof schema.exclusiveMaximum === 'number') hi = Math.min(hi, schema.exclusiveMaximum - eps);
  // Huge bounds (zod's safe-integer limits) count as open; open sides get a friendly range
  // next to the other bound, or 0..100 when both are open.
  const openLo = lo < -1e9;
  const openHi = hi > 1e9;
  if (openLo && openHi) return [0, 100];
  if (openLo) return [hi >= 0 ? Math.max(0, hi - 100) : hi - 100, hi];
  if (openHi) return [lo, lo + 100];
  return [lo, hi];
}

function integer(schema: JsonSchema, rng: Rng): number {
  const [lo, hi] = bounds(schema, true);
  const min = Math.ceil(lo);
  const max = Math.floor(hi);
  const step = typeof schema.multipleOf === 'number' && Number.isInteger(schema.multipleOf) ? schema.multipleOf : 1;
  const first = Math.ceil(min / step) * step;
  const count = Math.max(0, Math.floor((max - first) / step));
  return first + step * randInt(rng, 0, count);
}

function number(schema: JsonSchema, rng: Rng): number {
  if (typeof schema.multipleOf === 'number') return integer(schema, rng);
  const [lo, hi] = bounds(schema, false);
  const raw = lo + rng() * (hi - lo);
  const rounded = Math.round(raw * 100) / 100;
  // Rounding must not step over an (exclusive) bound.
  return rounded >= lo && rounded <= hi ? rounded : raw;
}

function str(schema: JsonSchema, ctx: Ctx): string {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  const w = () => pick(ctx.words, ctx.rng).toLowerCase();
  switch (schema.format) {
    case 'email':
      return `${w()}@example.com`;
    case 'uri':
    case 'url':
      return `https://example.com/${w()}`;
    case 'uuid':
      return uuid(ctx.rng);
    case 'date-time':
      return new Date(Date.UTC(2025, 0, randInt(ctx.rng, 1, 28), 12)).toISOString();
    case 'date':
      return `2025-01-${String(randInt(ctx.rng, 10, 28))}`;
    case 'time':
      return '12:00:00';
    default:
      break;
  }
  const wordCount = sized(ctx.shape?.stringWords, ctx.key);
  let out = pick(ctx.words, ctx.rng);
  if (wordCount !== undefined) {
    for (let i = 1; i < wordCount; i++) out += ` ${pick(ctx.words, ctx.rng)}`;
    out = `${out.charAt(0).toUpperCase()}${out.slice(1)}${wordCount > 3 ? '.' : ''}`;
  } else {
    const target = Math.max(min, Math.min(max, randInt(ctx.rng, 2, 5) * 6));
    while (out.length < target) out += ` ${pick(ctx.words, ctx.rng)}`;
  }
  // Length limits count code points, as JSON Schema does.
  const chars = Array.from(out);
  if (chars.length > max) out = chars.slice(0, max).join('').trimEnd();
  while (Array.from(out).length < min) out += 'x';
  return out;
}

function uuid(rng: Rng): string {
  const hex = () => Math.floor(rng() * 16).toString(16);
  const s = (n: number) => Array.from({ length: n }, hex).join('');
  return `${s(8)}-${s(4)}-4${s(3)}-${'89ab'[Math.floor(rng() * 4)]}${s(3)}-${s(12)}`;
}

function array(schema: JsonSchema, ctx: Ctx): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as JsonSchema[]) : [];
  const min = Math.max(typeof schema.minItems === 'number' ? schema.minItems : 0, prefix.length);
  const max = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
  let lo = Math.max(min, 2);
  let hi = Math.max(lo, 3);
  // Deep (recursive) schemas get the minimum so the instance stays small and finite.
  if (max < lo || ctx.depth > 4) {
    lo = min;
    hi = Math.max(min, Math.min(hi, max));
  }
  if (ctx.depth > 4) hi = lo;
  hi = Math.min(hi, max);
  const wanted = sized(ctx.shape?.arrayItems, ctx.key);
  const n = wanted !== undefined ? Math.max(min, Math.min(max, wanted)) : randInt(ctx.rng, lo, hi);
  const items = (schema.items ?? {}) as JsonSchema;
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const s = i < prefix.length ? prefix[i]! : items;
    let v = build(s, ctx);
    // uniqueItems: retry a few times, then tag strings so they differ.
    for (let k = 0; schema.uniqueItems && seen.has(JSON.stringify(v)) && k < 8; k++) v = build(s, ctx);
    if (schema.uniqueItems && seen.has(JSON.stringify(v)) && typeof v === 'string') v = `${v} ${i}`;
    seen.add(JSON.stringify(v));
    out.push(v);
  }
  return out;
}

function object(schema: JsonSchema, ctx: Ctx): Record<string, unknown> {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(props)) out[k] = build(s, { ...ctx, key: k });
  for (const k of (schema.required as string[] | undefined) ?? []) {
    if (!(k in out)) out[k] = pick(ctx.words, ctx.rng);
  }
  return out;
}
