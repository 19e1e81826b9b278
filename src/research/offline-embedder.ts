/**
 * The built-in offline embedder: deterministic feature hashing over words and character trigrams
 * with signed buckets, L2-normalised. No model, no download: used when no embedding model is
 * reachable, and by tests and benchmarks. Similar wording gives similar vectors; it knows nothing
 * of synonyms, so hybrid search leans on BM25 as much as on it.
 */
import { isStopword, tokenize } from './text.js';

/** Dimension of the offline vectors (the size of common small sentence-embedding models). */
export const OFFLINE_DIMENSION = 384;
/** Model name under which offline vectors are stored and reported. */
export const OFFLINE_MODEL = `offline-hash-${OFFLINE_DIMENSION}`;

// FNV-1a with a seed: fast, dependency-free and stable across platforms and Node versions.
function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function add(vec: Float32Array, feature: string, weight: number): void {
  const h = fnv1a(feature, 0);
  const sign = fnv1a(feature, 0x9e3779b9) & 1 ? 1 : -1;
  vec[h % vec.length]! += sign * weight;
}

/** Embeds one text into a unit vector of `dimension` floats (all zeros for a text with no words). */
export function offlineEmbedOne(text: string, dimension = OFFLINE_DIMENSION): Float32Array {
  const vec = new Float32Array(dimension);
  const counts = new Map<string, number>();
  for (const t of tokenize(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const [word, tf] of counts) {
    // sublinear tf so one repeated word does not dominate; stopwords count little
    const w = (1 + Math.log(tf)) * (isStopword(word) ? 0.2 : 1);
    add(vec, `w:${word}`, w);
    const padded = `^${word}$`;
    if (padded.length > 3)
      for (let i = 0; i + 3 <= padded.length; i++) add(vec, `c:${padded.slice(i, i + 3)}`, w * 0.35);
  }
  let norm = 0;
  for (let i = 0; i < dimension; i++) norm += vec[i]! * vec[i]!;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dimension; i++) vec[i]! *= inv;
  }
  return vec;
}

/** Embeds many texts; deterministic, so the same corpus always yields the same index. */
export function offlineEmbed(texts: readonly string[], dimension = OFFLINE_DIMENSION): Float32Array[] {
  return texts.map((t) => offlineEmbedOne(t, dimension));
}
