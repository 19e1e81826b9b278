/** Deterministic helpers for the fake LLM server: hashing, a seeded PRNG, prompt words, embeddings. */
import { mulberry32 } from '../../../src/util/rng.js';

/** 32-bit FNV-1a hash of a string. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export type Rng = () => number;

/** Creates a mulberry32 PRNG from a 32-bit seed. */
export const makeRng: (seed: number) => Rng = mulberry32;

/** Integer in [min, max] (inclusive). */
export function randInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

// Used when a prompt has no words at all, so answers are never empty.
const FALLBACK_WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

/** Words (letters/digits, Unicode-aware) of a text, in order, without duplicates; never empty. */
export function promptWords(text: string): string[] {
  const found = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  const uniq = [...new Set(found.filter((w) => w.length > 1 || /\p{N}/u.test(w)))];
  return uniq.length > 0 ? uniq : FALLBACK_WORDS;
}

/** Picks `n` words from the pool with the PRNG. */
export function pickWords(rng: Rng, pool: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pool[Math.floor(rng() * pool.length)]!);
  return out;
}

/** A short deterministic sentence built from prompt words. */
export function sentence(rng: Rng, pool: string[]): string {
  const words = pickWords(rng, pool, randInt(rng, 6, 12));
  const first = words[0]!;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return `${words.join(' ')}.`;
}

/**
 * Deterministic unit vector for a text: the normalised sum of one pseudo-random vector per
 * (lowercased) word, so texts that share words point in similar directions.
 */
export function embedText(text: string, dim: number): number[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const v = new Array<number>(dim).fill(0);
  const list = words.length > 0 ? words : [''];
  for (const w of list) {
    const rng = makeRng(hash32(`w:${w}`));
    for (let i = 0; i < dim; i++) v[i]! += rng() * 2 - 1;
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

/** Rough token count: words and punctuation marks. */
export function countTokens(text: string): number {
  return (text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).length;
}
