import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../../src/storage/db.js';
import { ResearchRepo } from '../../../src/storage/research-repo.js';
import { ResearchVectorRepo, type VecSet } from '../../../src/storage/research-vector-repo.js';
import { offlineEmbedOne } from '../../../src/research/offline-embedder.js';
import { VectorIndex } from '../../../src/research/vector-index.js';
import { Sketcher } from '../../../src/research/quantizer.js';
import { generateCorpus, indexCorpusFile } from '../../support/research-corpus.js';

// The real repository, counting the scans, so a test can tell the two-stage path ran (and how
// often a radius was widened); `probeOverride` replaces the probe sample's sketches.
class CountingRepo extends ResearchVectorRepo {
  scans = 0;
  probeOverride?: Uint8Array;
  override candidates(...a: Parameters<ResearchVectorRepo['candidates']>) {
    this.scans++;
    return super.candidates(...a);
  }
  override nearestWithin(...a: Parameters<ResearchVectorRepo['nearestWithin']>) {
    this.scans++;
    return super.nearestWithin(...a);
  }
  override probeSketches(set: VecSet) {
    return this.probeOverride ?? super.probeSketches(set);
  }
}

// One knowledge base of 3000 chunks for every test (built once: it is the slow part); each test
// searches it through its own VectorIndex.
let db: DB;
let vectors: CountingRepo;
let set: VecSet;
const corpus = generateCorpus(3000, 40);

beforeAll(() => {
  db = openDatabase(':memory:');
  const repo = new ResearchRepo(db);
  vectors = new CountingRepo(db);
  const index = new VectorIndex(vectors, { probeTarget: 256 });
  set = index.ensure('offline-hash-384', 384, []);
  corpus.files.forEach((file, f) => {
    set = indexCorpusFile(repo, index, set, f, file);
  });
});
afterAll(() => db.close());

function recallAt10(index: VectorIndex, queries = corpus.queries) {
  let hit = 0;
  for (const q of queries) {
    const v = offlineEmbedOne(q);
    const exact = index.exact(set, v, 10).map((h) => h.id);
    const got = index.search(set, v, 10).map((h) => h.id);
    hit += got.filter((id) => exact.includes(id)).length;
  }
  return hit / (queries.length * 10);
}

describe('VectorIndex: two-stage search with sqlite-vec ranking the sketches (the fallback), exact rerank', () => {
  it('finds exactly the top 10 of an exact scan (recall@10 = 1), re-ranking a tenth of the set', () => {
    // calibrated (mean estimated at 1024 vectors) and the probe sample rebuilt as the set grew
    expect(set).toMatchObject({ vectors: 3000, layout: 3, sketchBits: 1024 });
    expect(set.mean).not.toBeNull();
    expect(set.probeModulus).toBeGreaterThan(1);
    expect(set.probeRows).toBeLessThanOrEqual(512);
    vectors.scans = 0;
    expect(recallAt10(new VectorIndex(vectors, { candidates: () => 300, scan: 'vec0' }))).toBe(1);
    expect(vectors.scans).toBe(corpus.queries.length);
  });

  it('the recall measure can fail: 20 candidates of 3000 miss neighbours', () => {
    expect(recallAt10(new VectorIndex(vectors, { candidates: () => 20, scan: 'vec0' }))).toBeLessThan(0.95);
  });

  it('widens a radius that lets too few candidates through, and still finds the top 10', () => {
    // a probe sample that misleads: half of it the query's own nearest chunks, so the quantile
    // meant to let 300 sketches through lets far fewer through
    const index = new VectorIndex(vectors, { candidates: () => 300, scan: 'vec0' });
    const q = offlineEmbedOne(corpus.queries[0]!);
    const near = index.exact(set, q, 60).map((h) => h.id);
    const far = Array.from({ length: 60 }, (_, i) => 1 + i * 50);
    const sketcher = new Sketcher(384, 1024, set.mean);
    const stored = vectors.vectorsOf(set, [...near, ...far]);
    vectors.probeOverride = Buffer.concat([...stored.values()].map((v) => sketcher.sketch(v)));
    try {
      vectors.scans = 0;
      expect(recallAt10(index, [corpus.queries[0]!])).toBe(1);
      expect(vectors.scans).toBeGreaterThan(1);
    } finally {
      vectors.probeOverride = undefined;
    }
  });

  it('filters: a small filter is searched exactly, a zero vector gets distance 1', () => {
    const index = new VectorIndex(vectors, { candidates: () => 300, scan: 'vec0' });
    const within = [5, 6, 7, 8, 9];
    const hits = index.search(set, offlineEmbedOne(corpus.queries[0]!), 10, within);
    expect(hits.map((h) => h.id).sort((a, b) => a - b)).toEqual(within);
    expect(index.search(set, new Float32Array(384), 3).every((h) => h.distance === 1)).toBe(true);
  });

  it('large filters go two-stage; candidate counts past the k limit of sqlite-vec (4096) still answer', () => {
    const q = offlineEmbedOne(corpus.queries[1]!);
    const within = Array.from({ length: 2000 }, (_, i) => i + 1);
    const exact = new VectorIndex(vectors).distances(set, q, within);
    const top10 = exact.sort((a, b) => a.distance - b.distance || a.id - b.id).slice(0, 10);
    // 300 candidates of 3000 → about 450 sketches scanned for a filter of two thirds of the set
    const twoStage = new VectorIndex(vectors, { candidates: () => 300, exactFilterLimit: 100, scan: 'vec0' });
    vectors.scans = 0;
    expect(twoStage.search(set, q, 10, within)).toEqual(top10);
    expect(vectors.scans).toBeGreaterThan(0);
    // 2100 candidates: a scan limit of 4200 rows, past what one vec0 query may ask
    const many = new VectorIndex(vectors, { candidates: () => 2100, exactFilterLimit: 100, scan: 'vec0' });
    expect(many.search(set, q, 10).map((h) => h.id)).toEqual(
      new VectorIndex(vectors).exact(set, q, 10).map((h) => h.id),
    );
    // a third of the set with 2100 candidates: every sketch is a candidate (3000, under the limit)
    expect(many.search(set, q, 10, within.slice(0, 1000))).toEqual(exact.filter((h) => h.id <= 1000).slice(0, 10));
  });
});
