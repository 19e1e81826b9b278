import { describe, expect, it } from 'vitest';
import { chunkText } from '../../../src/research/chunker.js';
import { checkCitations } from '../../../src/research/citations.js';
import { retrievalStrength, scoreConfidence } from '../../../src/research/confidence.js';
import { buildFtsQuery, quoteFtsToken } from '../../../src/research/fts-query.js';
import { reciprocalRankFusion } from '../../../src/research/fusion.js';
import { OFFLINE_DIMENSION, offlineEmbedOne } from '../../../src/research/offline-embedder.js';
import { slugify, splitSentences } from '../../../src/research/text.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('chunkText', () => {
  it('starts a chunk at each heading and records line ranges', () => {
    const doc = [
      '# Intro',
      '',
      'Hello world.',
      '',
      '## Cache',
      '',
      'The cache expires after ten minutes.',
      '',
      'More cache text.',
    ].join('\n');
    const chunks = chunkText(doc, { overlapChars: 0 });
    expect(chunks.map((c) => c.heading)).toEqual(['Intro', 'Cache']);
    expect(chunks[1]).toMatchObject({ startLine: 5, endLine: 9 });
    expect(chunks[1]!.text).toContain('expires after ten minutes');
    expect(chunks[0]!.text).not.toContain('cache');
  });

  it('keeps a fenced code block whole even with blank lines and # comments inside', () => {
    const doc = ['# Setup', '', '```sh', '# install', '', 'npm i', '```', '', 'after'].join('\n');
    const [c] = chunkText(doc);
    expect(c!.text).toContain('```sh\n# install\n\nnpm i\n```');
    expect(chunkText(doc).map((x) => x.heading)).toEqual(['Setup']);
  });

  it('cuts huge paragraphs and huge single lines into bounded chunks with overlap', () => {
    const para = Array.from({ length: 400 }, (_, i) => `line ${i} of a long paragraph`).join('\n');
    const chunks = chunkText(para, { maxChars: 1000, overlapChars: 100 });
    expect(chunks.length).toBeGreaterThan(8);
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(1000 + 110);
    expect(chunks[1]!.text).toContain(chunks[0]!.text.slice(-20).trim());
    const oneLine = chunkText('x'.repeat(5000), { maxChars: 1000, overlapChars: 0 });
    expect(oneLine).toHaveLength(5);
    expect(oneLine.every((c) => c.startLine === 1)).toBe(true);
  });

  it('gives no chunks for blank text and treats # as text when not markdown', () => {
    expect(chunkText('  \n\n  ')).toEqual([]);
    const code = chunkText('# a comment\nx = 1\n', { markdown: false });
    expect(code).toHaveLength(1);
    expect(code[0]!.heading).toBe('');
  });
});

describe('buildFtsQuery', () => {
  it('quotes every token so FTS5 operators are plain text', () => {
    expect(buildFtsQuery('foo AND (bar* OR -baz): "qux"')).toBe('"foo" OR "bar" OR "baz" OR "qux"');
    expect(quoteFtsToken('a"b')).toBe('"a""b"');
  });
  it('drops stopwords unless nothing else is left, and returns null for no words', () => {
    expect(buildFtsQuery('what is the cache')).toBe('"cache"');
    expect(buildFtsQuery('the')).toBe('"the"');
    expect(buildFtsQuery('*** :: ()')).toBeNull();
  });
});

describe('reciprocalRankFusion', () => {
  it('ranks items found by both lists above items found by one', () => {
    const fused = reciprocalRankFusion([
      [1, 2, 3],
      [3, 4, 1],
    ]);
    expect(fused.map((f) => f.id).slice(0, 2)).toEqual([1, 3]);
    expect(fused.find((f) => f.id === 4)!.ranks).toEqual([undefined, 2]);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 63);
  });
});

describe('checkCitations', () => {
  it('keeps valid citations, strips invalid ones and lists uncited sentences', () => {
    const r = checkCitations(
      'Caches expire in ten minutes [1]. Keys are hashed [2, 9]. The moon is cheese. Done [7].',
      2,
    );
    expect(r.cited).toEqual([1, 2]);
    expect(r.invalid).toEqual([9, 7]);
    expect(r.answer).toBe('Caches expire in ten minutes [1]. Keys are hashed [2]. The moon is cheese. Done.');
    expect(r.uncited).toEqual(['The moon is cheese.', 'Done.']);
    expect(r.coverage).toBe(0.5);
  });
  it('handles [1][2] and answers without sentences', () => {
    expect(checkCitations('A fact [1][2].', 2)).toMatchObject({ cited: [1, 2], coverage: 1 });
    expect(checkCitations('', 2)).toMatchObject({ sentences: 0, coverage: 0 });
  });
});

describe('confidence', () => {
  it('is in [0,1], explained, and grows with every signal', () => {
    const low = scoreConfidence({ retrieval: 0.2, coverage: 0.2, check: 'unsupported' });
    const high = scoreConfidence({ retrieval: 0.9, coverage: 1, check: 'supported' });
    expect(low.confidence).toBeLessThan(high.confidence);
    expect(high.confidence).toBeLessThanOrEqual(1);
    expect(high.reason).toMatch(/retrieval 0\.90, 100% of sentences cited, self-check: supported/);
    expect(scoreConfidence({ retrieval: 0.5, coverage: 1, check: 'none', extractive: true }).reason).toMatch(
      /extractive/,
    );
  });
  it('retrieval strength rewards passages containing the question terms', () => {
    const q = 'how long does the session cache live';
    const good = retrievalStrength(q, [{ text: 'The session cache lives for ten minutes.', similarity: 0.6 }]);
    const bad = retrievalStrength(q, [{ text: 'Deploy with docker compose.', similarity: 0.1 }]);
    expect(good).toBeGreaterThan(bad);
    expect(retrievalStrength(q, [])).toBe(0);
  });
});

describe('offline embedder', () => {
  it('is deterministic, unit length, and closer for related text', () => {
    const a = offlineEmbedOne('The session cache expires after ten minutes');
    const b = offlineEmbedOne('session cache expiry is ten minutes');
    const c = offlineEmbedOne('Kubernetes pods restart on failure');
    expect(a).toHaveLength(OFFLINE_DIMENSION);
    expect(dot(a, a)).toBeCloseTo(1, 5);
    expect(offlineEmbedOne('The session cache expires after ten minutes')).toEqual(a);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c) + 0.2);
    expect(dot(offlineEmbedOne('!!!'), offlineEmbedOne('!!!'))).toBe(0);
  });
});

describe('text helpers', () => {
  it('slugifies titles and splits sentences keeping citations', () => {
    expect(slugify('How does the Cache work? (v2)')).toBe('how-does-the-cache-work-v2');
    expect(slugify('???')).toBe('research');
    expect(splitSentences('One fact [1]. Two facts [1, 2]. Three?')).toEqual([
      'One fact [1].',
      'Two facts [1, 2].',
      'Three?',
    ]);
  });
});
