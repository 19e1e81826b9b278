import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileHamming, renderModule } from '../../../scripts/build-wasm.mjs';
import { HAMMING_WASM } from '../../../src/research/hamming-wasm.js';
import { offlineEmbedOne } from '../../../src/research/offline-embedder.js';
import { hammingDistances, sketchWords } from '../../../src/research/quantizer.js';
import { SketchScan } from '../../../src/research/sketch-scan.js';
import { VectorIndex } from '../../../src/research/vector-index.js';
import { openDatabase, type DB } from '../../../src/storage/db.js';
import { ResearchRepo } from '../../../src/storage/research-repo.js';
import { ResearchSketchChunks, type SketchBlock } from '../../../src/storage/research-sketch-chunks.js';
import { ResearchVectorRepo, type VecSet } from '../../../src/storage/research-vector-repo.js';
import { mulberry32 } from '../../../src/util/rng.js';
import { generateCorpus, indexCorpusFile } from '../../support/research-corpus.js';

// Blocks as sqlite-vec lays them out: `size` slots, a validity bitmap, int64 rowids, sketches.
function block(size: number, bytes: number, rows: { slot: number; id: number; sketch: Uint8Array }[]): SketchBlock {
  const validity = new Uint8Array(Math.ceil(size / 8));
  const rowids = Buffer.alloc(size * 8);
  const sketches = new Uint8Array(size * bytes);
  for (const r of rows) {
    validity[r.slot >> 3]! |= 1 << (r.slot & 7);
    rowids.writeBigInt64LE(BigInt(r.id), r.slot * 8);
    sketches.set(r.sketch, r.slot * bytes);
  }
  return { size, validity, rowids, sketches };
}

function randomSketches(n: number, bytes: number, seed: number): Uint8Array[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => Uint8Array.from({ length: bytes }, () => Math.floor(rnd() * 256)));
}

// The reference: distances by the JavaScript popcount, then the c smallest, ties by position.
function referenceNearest(query: Uint8Array, sketches: Uint8Array[], ids: number[], c: number): number[] {
  const d = hammingDistances(query, sketchWords(Buffer.concat(sketches)));
  return ids
    .map((id, i) => ({ id, d: d[i]!, i }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, c)
    .map((x) => x.id)
    .sort((a, b) => a - b);
}

describe('SketchScan: Hamming distances in WebAssembly and an exact top c', () => {
  it('hamming-wasm.ts is hamming.wat compiled (regenerate: node scripts/build-wasm.mjs)', async () => {
    expect(renderModule(await compileHamming())).toContain(`'${HAMMING_WASM}'`);
  });

  it.each([128, 1024, 2048])('%i-bit sketches: the same distances and top c as the JavaScript reference', (bits) => {
    const bytes = bits / 8;
    const all = randomSketches(700, bytes, bits);
    const [query, ...stored] = all as [Uint8Array, ...Uint8Array[]];
    // two blocks of 512 slots: the first full, the second with holes (deleted rows)
    const ids = stored.map((_, i) => 10 + i * 3);
    const first = block(
      512,
      bytes,
      stored.slice(0, 512).map((sketch, i) => ({ slot: i, id: ids[i]!, sketch })),
    );
    const rest = stored.slice(512);
    const second = block(
      512,
      bytes,
      rest.map((sketch, i) => ({ slot: i * 2, id: ids[512 + i]!, sketch })),
    );
    const scan = SketchScan.load({ slots: 1024, blocks: [first, second] }, bytes)!;
    expect(scan.size).toBe(stored.length);
    expect(scan.ids()).toEqual(ids);
    expect(scan.distances(query)).toEqual([...hammingDistances(query, sketchWords(Buffer.concat(stored)))]);
    for (const c of [1, 37, 300, 699, 5000])
      expect(scan.nearest(query, c).sort((a, b) => a - b)).toEqual(referenceNearest(query, stored, ids, c));
    // only allowed ids
    const allowed = new Set(ids.filter((_, i) => i % 3 === 0));
    const keep = ids.map((id, i) => ({ id, i })).filter((x) => allowed.has(x.id));
    expect(scan.nearest(query, 50, allowed).sort((a, b) => a - b)).toEqual(
      referenceNearest(
        query,
        keep.map((x) => stored[x.i]!),
        keep.map((x) => x.id),
        50,
      ),
    );
  });

  it('ties at the cut-off go to the earlier sketch; ids past 2^32 survive', () => {
    const same = new Uint8Array(16).fill(0x0f);
    const big = 2 ** 40 + 7;
    const scan = SketchScan.load(
      {
        slots: 8,
        blocks: [
          block(
            8,
            16,
            [0, 1, 2, 3].map((slot) => ({ slot, id: slot === 2 ? big : slot + 1, sketch: same })),
          ),
        ],
      },
      16,
    )!;
    expect(scan.ids()).toEqual([1, 2, big, 4]);
    expect(scan.nearest(new Uint8Array(16), 3)).toEqual([1, 2, big]);
  });

  it('blocks whose sizes are not whole bytes of validity keep each slot where it is', () => {
    const sk = (v: number) => new Uint8Array(16).fill(v);
    const a = block(5, 16, [
      { slot: 0, id: 1, sketch: sk(0xff) },
      { slot: 3, id: 2, sketch: sk(0x01) },
      { slot: 4, id: 3, sketch: sk(0x03) },
    ]);
    const b = block(3, 16, [
      { slot: 1, id: 4, sketch: sk(0x00) },
      { slot: 2, id: 5, sketch: sk(0x07) },
    ]);
    const scan = SketchScan.load({ slots: 8, blocks: [a, b] }, 16)!;
    expect(scan.size).toBe(5);
    expect(scan.ids()).toEqual([1, 2, 3, 4, 5]);
    expect(scan.distances(sk(0))).toEqual([128, 16, 32, 0, 48]);
    expect(scan.nearest(sk(0), 3)).toEqual([2, 3, 4]);
  });

  it('declines what the kernel cannot hold: odd sketch sizes, more than the limit, an unknown layout', () => {
    const b = block(8, 16, [{ slot: 0, id: 1, sketch: new Uint8Array(16) }]);
    expect(SketchScan.load({ slots: 8, blocks: [b] }, 24)).toBeUndefined();
    expect(SketchScan.load({ slots: 8, blocks: [b] }, 16, 64)).toBeUndefined();
    expect(SketchScan.load({ slots: 8, blocks: [b] }, 16, 1024)).toBeDefined();
    // more blocks than counted (written while reading): declined, not overrun
    expect(SketchScan.load({ slots: 8, blocks: [b, b] }, 16)).toBeUndefined();
  });
});

// A sketch reader that counts how often the set was read whole.
class CountingChunks extends ResearchSketchChunks {
  reads = 0;
  override blocks(set: VecSet) {
    this.reads++;
    return super.blocks(set);
  }
}

describe('VectorIndex: the in-memory scan over a real database', () => {
  const corpus = generateCorpus(3000, 30);
  let dir: string;
  let db: DB;
  let repo: ResearchRepo;
  let vectors: ResearchVectorRepo;
  let set: VecSet;

  function addFile(index: VectorIndex, f: number, file: [string, string][]) {
    set = indexCorpusFile(repo, index, set, f, file);
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tml-sketch-scan-'));
    db = openDatabase(join(dir, 'local.db'));
    repo = new ResearchRepo(db);
    vectors = new ResearchVectorRepo(db);
    const index = new VectorIndex(vectors);
    set = index.ensure('offline-hash-384', 384, []);
    corpus.files.forEach((file, f) => addFile(index, f, file));
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const top10 = (index: VectorIndex, q: string) => index.search(set, offlineEmbedOne(q), 10);
  const exact10 = (q: string) => new VectorIndex(vectors).exact(set, offlineEmbedOne(q), 10);

  it('finds the exact top 10 (recall@10 = 1) with 300 candidates, reading the sketches once', () => {
    const chunks = new CountingChunks(db);
    const index = new VectorIndex(vectors, { candidates: () => 300, sketchChunks: chunks });
    for (const q of corpus.queries) expect(top10(index, q)).toEqual(exact10(q));
    expect(chunks.reads).toBe(1);
    // and agrees with sqlite-vec ranking the same sketches
    const vec0 = new VectorIndex(vectors, { candidates: () => 300, scan: 'vec0' });
    for (const q of corpus.queries.slice(0, 5)) expect(top10(index, q)).toEqual(top10(vec0, q));
  });

  it('the recall measure can fail: 20 candidates of 3000 miss neighbours', () => {
    const index = new VectorIndex(vectors, { candidates: () => 20 });
    let hit = 0;
    for (const q of corpus.queries) {
      const want = exact10(q).map((h) => h.id);
      hit += top10(index, q).filter((h) => want.includes(h.id)).length;
    }
    expect(hit / (corpus.queries.length * 10)).toBeLessThan(0.95);
  });

  it('sees removed and added chunks, and writes by another connection', () => {
    const chunks = new CountingChunks(db);
    const index = new VectorIndex(vectors, { candidates: () => 300, sketchChunks: chunks });
    const q = corpus.queries[3]!;
    const before = top10(index, q);
    // remove the source holding the best hit: none of its chunks may come back
    const best = repo.chunks([before[0]!.id])[0]!;
    const gone = new Set(repo.chunkIdsOfSources([best.source_id]));
    expect(repo.removeSources(best.source)).toEqual([best.source]);
    set = vectors.set(set.name)!;
    const after = top10(index, q);
    expect(after.some((h) => gone.has(h.id))).toBe(false);
    expect(after).toEqual(exact10(q));
    expect(chunks.reads).toBe(2);
    // add it back under a new name: its chunks are found again
    const f = Number(best.source.match(/\d+/)![0]);
    addFile(index, 1000 + f, corpus.files[f]!);
    const again = top10(index, q);
    expect(again.map((h) => h.distance)).toEqual(before.map((h) => h.distance));
    expect(chunks.reads).toBe(3);
    // a write committed by another connection is seen on the next search
    const other = openDatabase(join(dir, 'local.db'));
    try {
      new ResearchRepo(other).removeSources(`doc-${1000 + f}.md`);
    } finally {
      other.close();
    }
    set = vectors.set(set.name)!;
    expect(top10(index, q)).toEqual(after);
    expect(chunks.reads).toBe(4);
  });

  it('falls back to sqlite-vec when the sketches cannot be read in bulk', () => {
    const q = corpus.queries[5]!;
    const want = top10(new VectorIndex(vectors, { candidates: () => 300 }), q);
    class Unknown extends ResearchSketchChunks {
      override blocks() {
        return undefined;
      }
    }
    const index = new VectorIndex(vectors, { candidates: () => 300, sketchChunks: new Unknown(db) });
    expect(top10(index, q)).toEqual(want);
  });
});

describe('ResearchSketchChunks: reads only the layout it knows', () => {
  // tables shaped like sqlite-vec's shadow tables, with contents a test controls
  function fake(version: string, size: number, vectorBytes: number) {
    const db = openDatabase(':memory:');
    db.exec(`CREATE TABLE x_sketch_info (key TEXT PRIMARY KEY, value ANY);
      CREATE TABLE x_sketch_chunks (chunk_id INTEGER PRIMARY KEY, size INTEGER, validity BLOB, rowids BLOB);
      CREATE TABLE x_sketch_vector_chunks00 (rowid PRIMARY KEY, vectors BLOB);`);
    const b = block(size, 16, [{ slot: 1, id: 42, sketch: new Uint8Array(16).fill(1) }]);
    db.prepare('INSERT INTO x_sketch_info VALUES (?, ?)').run('CREATE_VERSION', version);
    db.prepare('INSERT INTO x_sketch_chunks VALUES (1, ?, ?, ?)').run(size, b.validity, b.rowids);
    db.prepare('INSERT INTO x_sketch_vector_chunks00 VALUES (1, ?)').run(Buffer.alloc(vectorBytes, 1));
    const set = { name: 'x', sketchBits: 128 } as VecSet;
    return { chunks: new ResearchSketchChunks(db), set, close: () => db.close() };
  }

  it('reads blocks of the known layout', () => {
    const f = fake('v0.1.9', 8, 8 * 16);
    const source = f.chunks.blocks(f.set)!;
    expect(source.slots).toBe(8);
    expect(SketchScan.load(source, 16)!.ids()).toEqual([42]);
    f.close();
  });

  it('declines another version, and a block whose blobs have the wrong length', () => {
    const v = fake('v0.2.0', 8, 8 * 16);
    expect(v.chunks.blocks(v.set)).toBeUndefined();
    v.close();
    const short = fake('v0.1.9', 8, 7 * 16);
    expect(SketchScan.load(short.chunks.blocks(short.set)!, 16)).toBeUndefined();
    short.close();
  });
});
