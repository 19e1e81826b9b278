import { describe, expect, it } from 'vitest';
import { sameWork, TitleIndex } from '../../../src/prd/plan.js';

/** A deterministic pseudo-random stream (no Math.random: a failure must be reproducible). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('TitleIndex', () => {
  it('finds the same first match as comparing with every title added before (sameWork), on 600 near-duplicate titles', () => {
    const words = [
      'sync',
      'notes',
      'offline',
      'search',
      'tags',
      'Share',
      'export',
      'the',
      'and',
      'users',
      'user',
      'API',
    ];
    const next = rng(7);
    const titles: string[] = [];
    for (let i = 0; i < 600; i++) {
      const n = Math.floor(next() * 5);
      const t = Array.from({ length: n }, () => words[Math.floor(next() * words.length)]).join(' ');
      // Some titles without words that count (only stop words, punctuation, nothing), compared as text.
      titles.push(next() < 0.05 ? ['', '  The ', 'and / or', '!!'][Math.floor(next() * 4)]! : t);
    }
    const index = new TitleIndex();
    const added: string[] = [];
    let matches = 0;
    for (const t of titles) {
      const expected = added.findIndex((a) => sameWork(a, t));
      const got = index.first(t);
      expect(got ?? -1).toBe(expected);
      if (expected >= 0) matches++;
      else {
        expect(index.add(t)).toBe(added.length);
        added.push(t);
      }
    }
    // Both outcomes occur often enough to mean something.
    expect(matches).toBeGreaterThan(100);
    expect(added.length).toBeGreaterThan(30);
  });
});
