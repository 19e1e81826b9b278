import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../../src/storage/db.js';
import { ResearchRepo } from '../../../src/storage/research-repo.js';
import { ResearchVectorRepo } from '../../../src/storage/research-vector-repo.js';
import { offlineEmbedOne } from '../../../src/research/offline-embedder.js';
import { VectorIndex, type VectorIndexOptions } from '../../../src/research/vector-index.js';
import { embedText } from '../../../src/research/text.js';
import { generateCorpus } from '../../support/research-corpus.js';

// The real repository, counting the candidate queries, so a test can tell the two-stage path ran.
class CountingRepo extends ResearchVectorRepo {
  candidateQueries = 0;
  override candidates(...a: Parameters<ResearchVectorRepo['candidates']>) {
    this.candidateQueries++;
    return super.candidates(...a);
  }
}

let db: DB;
beforeEach(() => {
  db = openDatabase(':memory:');
});
afterEach(() => db.close());

const corpus = generateCorpus(3000, 40);

function build(opts: VectorIndexOptions) {
  const repo = new ResearchRepo(db);
  const vectors = new CountingRepo(db);
  const index = new VectorIndex(vectors, opts);
  let set = index.ensure('offline-hash-384', 384, []);
  corpus.files.forEach((file, f) => {
    const { chunkIds } = repo.replaceSource(
      { source: `doc-${f}.md`, kind: 'file', hash: `h${f}`, bytes: 1 },
      file.map(([h, t], i) => ({ ord: i, startLine: i, endLine: i, heading: h, text: t })),
    );
    index.insert(
      set,
      file.map(([h, t], i) => ({ chunkId: chunkIds[i]!, vector: offlineEmbedOne(embedText(h, t)) })),
    );
    set = index.maintain(set);
  });
  return { index, vectors, set };
}

function recallAt10(index: VectorIndex, set: ReturnType<VectorIndex['ensure']>) {
  let hit = 0;
  for (const q of corpus.queries) {
    const v = offlineEmbedOne(q);
    const exact = index.exact(set, v, 10).map((h) => h.id);
    const got = index.search(set, v, 10).map((h) => h.id);
    hit += got.filter((id) => exact.includes(id)).length;
  }
  return hit / (corpus.queries.length * 10);
}

describe('VectorIndex: two-stage search (sign sketches from sqlite-vec, exact rerank)', () => {
  it('reaches recall@10 >= 0.99 against an exact scan, re-ranking a tenth of the set', () => {
    const { index, vectors, set } = build({ candidates: () => 300, probeTarget: 256 });
    // calibrated (mean estimated at 1024 vectors) and the probe sample rebuilt as the set grew
    expect(set).toMatchObject({ vectors: 3000, layout: 2, sketchBits: 1024 });
    expect(set.mean).not.toBeNull();
    expect(set.probeModulus).toBeGreaterThan(1);
    expect(set.probeRows).toBeLessThanOrEqual(512);
    vectors.candidateQueries = 0;
    expect(recallAt10(index, set)).toBeGreaterThanOrEqual(0.99);
    expect(vectors.candidateQueries).toBeGreaterThanOrEqual(corpus.queries.length);
  });

  it('the recall measure can fail: 20 candidates of 3000 miss neighbours', () => {
    const { index, set } = build({ candidates: () => 20, probeTarget: 256 });
    expect(recallAt10(index, set)).toBeLessThan(0.95);
  });

  it('filters: a small filter is searched exactly, a zero vector gets distance 1', () => {
    const { index, set } = build({ candidates: () => 300 });
    const within = [5, 6, 7, 8, 9];
    const hits = index.search(set, offlineEmbedOne(corpus.queries[0]!), 10, within);
    expect(hits.map((h) => h.id).sort((a, b) => a - b)).toEqual(within);
    expect(index.search(set, new Float32Array(384), 3).every((h) => h.distance === 1)).toBe(true);
  });
});
