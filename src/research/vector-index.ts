/**
 * Vector search in two stages over a vector set (storage: research-vector-repo.ts):
 * 1. candidates: the C sketches (quantizer.ts) nearest to the query's by Hamming distance. By
 *    default every sketch of the set is held in this process and ranked here (sketch-scan.ts:
 *    a WebAssembly popcount kernel, then an exact top C from a histogram), read again from the
 *    database whenever it changed. Where that cannot be done (a sketch layout the reader does
 *    not know, more than SCAN_LIMIT_BYTES of sketches) sqlite-vec ranks them: asking vec0 for a
 *    large k is slow in 0.1.9 (its per-chunk top-k selection costs k × chunk size), so that
 *    query asks for the rows within a Hamming radius instead, the quantile of the query's
 *    distances to the probe sample (every m-th chunk) that should let about C rows through;
 * 2. rerank: the exact float vectors of those candidates, by cosine distance.
 * C grows slowly with the set (candidateCount) so that recall@10 against an exact scan stays
 * at or above 0.99 (bench/research.bench.mjs measures it at 10k, 100k and 1M chunks).
 */
import { ResearchSketchChunks } from '../storage/research-sketch-chunks.js';
import type { ResearchVectorRepo, SketcherFor, VecSet } from '../storage/research-vector-repo.js';
import { Sketcher, SKETCH_BITS, hammingDistances, meanVector, sketchWords } from './quantizer.js';
import { SketchScan } from './sketch-scan.js';

/** A chunk and its cosine distance to the query. */
export interface VectorHit {
  id: number;
  distance: number;
}

/** sqlite-vec 0.1.9 answers at most this many rows from one kNN query (a larger k is an error). */
export const MAX_SCAN = 4096;

/**
 * Candidates to re-rank for a set of `n` vectors: ~750 at 10k, 1500 at 100k, ~4700 at 1M. On the
 * bench corpus recall@10 against an exact scan is 1.000 at 10k and 100k (0.993 with 1000 at
 * 100k) and 0.997 at 1M (0.988 with 3000). The in-memory scan takes any count; the vec0 fallback
 * asks for at most MAX_SCAN.
 */
export function candidateCount(n: number): number {
  return Math.max(256, Math.round(1500 * (n / 100_000) ** (n <= 100_000 ? 0.3 : 0.5)));
}

/** Sets below this size keep uncentred sketches; at this size the mean is estimated once. */
export const CALIBRATE_AT = 1024;
/** Target size of the probe sample; it is rebuilt smaller when it grows past twice this. */
export const PROBE_TARGET = 4096;
/**
 * A filter (sources, category) with at most this many chunks is searched exactly; so is a larger
 * one that is so small a share of the set that one scan's candidates would hold too few of its chunks.
 */
export const EXACT_FILTER_LIMIT = 20_000;
const PAGE = 4096;

/** Options of VectorIndex. */
export interface VectorIndexOptions {
  sketchBits?: number;
  /** Candidates to re-rank for a set of n vectors (tests force the two-stage path on small sets). */
  candidates?: (n: number) => number;
  /** Target size of the probe sample (tests use a small one to exercise its rebuilds). */
  probeTarget?: number;
  /** Filters up to this many chunks are searched exactly (default EXACT_FILTER_LIMIT). */
  exactFilterLimit?: number;
  /**
   * First stage: 'memory' (default) ranks every sketch in this process (sketch-scan.ts), falling
   * back to sqlite-vec when it cannot; 'vec0' always asks sqlite-vec (radius from the probe sample).
   */
  scan?: 'memory' | 'vec0';
  /** Where the in-memory scan reads the sketches (tests pass one that counts its reads). */
  sketchChunks?: ResearchSketchChunks;
}

/** The research module's view of the vector sets: ensure, insert, calibrate, search. */
export class VectorIndex {
  readonly sketchBits: number;
  private readonly candidates: (n: number) => number;
  private readonly probeTarget: number;
  private readonly exactFilterLimit: number;
  private cached?: { mean: Float32Array | null; dimension: number; sketcher: Sketcher };
  private probe?: { key: string; words: Uint32Array };
  private readonly scanMode: 'memory' | 'vec0';
  private readonly chunks: ResearchSketchChunks;
  private held?: { key: string; scan: SketchScan | undefined };

  constructor(
    readonly repo: ResearchVectorRepo,
    opts: VectorIndexOptions = {},
  ) {
    this.sketchBits = opts.sketchBits ?? SKETCH_BITS;
    this.candidates = opts.candidates ?? candidateCount;
    this.probeTarget = opts.probeTarget ?? PROBE_TARGET;
    this.exactFilterLimit = opts.exactFilterLimit ?? EXACT_FILTER_LIMIT;
    this.scanMode = opts.scan ?? 'memory';
    this.chunks = opts.sketchChunks ?? new ResearchSketchChunks(repo.db);
  }

  private sketcher(dimension: number, mean: Float32Array | null): Sketcher {
    const c = this.cached;
    if (c && c.dimension === dimension && sameVector(c.mean, mean)) return c.sketcher;
    const sketcher = new Sketcher(dimension, this.sketchBits, mean);
    this.cached = { mean, dimension, sketcher };
    return sketcher;
  }

  private sketchFor(dimension: number): SketcherFor {
    return (mean) => {
      const s = this.sketcher(dimension, mean);
      return (v) => s.sketch(v);
    };
  }

  /**
   * The set for (model, dimension); a set in the layout before migration 33 is converted first
   * (one transaction), with a note. `dropped` reports a dimension change of the same model.
   */
  ensure(model: string, dimension: number, notes: string[]): VecSet {
    const { set, droppedDimension } = this.repo.ensureSet(model, dimension, this.sketchBits);
    if (droppedDimension !== undefined) {
      notes.push(
        `embedding model ${model} changed dimension ${droppedDimension} → ${dimension}; its old vectors were dropped and chunks are re-embedded`,
      );
    }
    if (set.layout === 3) return set;
    if (set.layout === 2) return this.repo.convertProbe(set);
    const r = this.repo.convertLegacy(set, this.sketchBits, (sample, count) => ({
      mean: count >= CALIBRATE_AT ? meanVector(sample, dimension) : null,
      modulus: this.probeModulus(count),
      sketchFor: this.sketchFor(dimension),
    }));
    if (r.converted)
      notes.push(
        `converted ${r.converted} ${model} vectors to the compact layout (vectors stored once, sign sketches)`,
      );
    return r.set;
  }

  /** Stores vectors idempotently (see ResearchVectorRepo.insertVectors); returns how many were new. */
  insert(set: VecSet, rows: readonly { chunkId: number; vector: Float32Array }[]): number {
    return this.repo.insertVectors(set, rows, this.sketchFor(set.dimension));
  }

  /**
   * Keeps the sketches effective as the set grows: estimates the mean once the set reaches
   * CALIBRATE_AT vectors (re-sketching what is there, which is still small), and rebuilds the
   * probe sample with a larger modulus whenever it grows past twice its target. Cheap to call.
   */
  maintain(set: VecSet): VecSet {
    let now = this.repo.set(set.name) ?? set;
    if (!now.mean && now.vectors >= CALIBRATE_AT) {
      this.repo.rebuildSketches(now, (cur) =>
        cur.mean || cur.vectors < CALIBRATE_AT
          ? null
          : {
              mean: meanVector(this.repo.sample(cur, 4096), cur.dimension),
              modulus: this.probeModulus(cur.vectors),
              sketchFor: this.sketchFor(cur.dimension),
            },
      );
      now = this.repo.set(set.name) ?? now;
    }
    if (now.probeRows > 2 * this.probeTarget) {
      this.repo.rebuildProbe(now, this.probeModulus(now.vectors), this.sketchFor(now.dimension));
      now = this.repo.set(set.name) ?? now;
    }
    return now;
  }

  /**
   * The `k` chunks nearest to `query` by cosine distance. With `within` (a filter's chunk ids,
   * ascending), only those chunks: exactly when there are few, else two-stage and filtered.
   */
  search(set: VecSet, query: Float32Array, k: number, within?: readonly number[]): VectorHit[] {
    const n = set.vectors;
    if (!n || k <= 0) return [];
    if (within && within.length <= this.exactFilterLimit) return this.rerank(set, query, within, k);
    const c = Math.max(k, this.candidates(n));
    if (!within && c >= n) return this.exact(set, query, k);
    const scan = this.scanMode === 'memory' ? this.heldScan(set) : undefined;
    if (scan) {
      const qs = this.sketcher(set.dimension, set.mean).sketch(query, true);
      return this.rerank(set, query, scan.nearest(qs, c, within && new Set(within)), k);
    }
    if (within) {
      const wanted = Math.min(n, Math.ceil((this.candidates(n) * n) / within.length));
      if (wanted > MAX_SCAN) return this.rerank(set, query, within, k);
      const allowed = new Set(within);
      const qs = this.sketcher(set.dimension, set.mean).sketch(query, true);
      const ids = this.withinRadius(
        set,
        qs,
        wanted,
        (radius) => {
          const got = this.repo.candidates(set, qs, Math.min(2 * wanted, MAX_SCAN), radius);
          return { passed: got.length, out: got };
        },
        () => this.repo.candidates(set, qs, wanted),
      );
      return this.rerank(
        set,
        query,
        ids.map((r) => r.id).filter((id) => allowed.has(id)),
        k,
      );
    }
    const cv = Math.min(MAX_SCAN, c);
    const qs = this.sketcher(set.dimension, set.mean).sketch(query, true);
    // one statement per radius: the candidates and their exact rerank
    return this.withinRadius(
      set,
      qs,
      cv,
      (radius) => {
        const r = this.repo.nearestWithin(set, query, qs, radius, Math.min(2 * cv, MAX_SCAN), k);
        return { passed: r.candidates, out: r.hits };
      },
      () =>
        this.rerank(
          set,
          query,
          this.repo.candidates(set, qs, cv).map((r) => r.id),
          k,
        ),
    );
  }

  // The set's sketches held in memory, read again whenever the database changed since (any
  // commit by another connection, any write by this one); undefined when they cannot be held.
  private heldScan(set: VecSet): SketchScan | undefined {
    const key = `${set.name}:${set.sketchBits}:${set.mean ? 'c' : 'u'}:${this.chunks.changeMark()}`;
    if (this.held?.key !== key) {
      this.held = undefined; // the old scan's memory can go before the new one is read
      const source = this.chunks.blocks(set);
      this.held = { key, scan: source && SketchScan.load(source, set.sketchBits / 8) };
    }
    return this.held.scan;
  }

  // Runs `scan` with the Hamming radius that should let about `c` sketches through: the quantile
  // of the query's distances to the probe sample. If estimation noise makes it let fewer than c/2
  // through, the radius widens to the quantile of 2c, 4c, … (each try is one scan; the plain
  // top-c vec0 query is ten times slower at 100k). Without a usable sample, `plain` answers.
  private withinRadius<T>(
    set: VecSet,
    qs: Uint8Array,
    c: number,
    scan: (radius: number) => { passed: number; out: T },
    plain: () => T,
  ): T {
    const dists = this.probeDistances(set, qs);
    if (!dists) return plain();
    for (let want = c; ; want *= 2) {
      const rank = Math.min(dists.length, Math.ceil((want * dists.length) / set.vectors));
      const r = scan(dists[rank - 1]!);
      if (r.passed >= c / 2 || rank >= dists.length) return r.out;
    }
  }

  // The query sketch's Hamming distances to the probe sample, ascending; undefined when the
  // sample is too small to estimate quantiles from.
  private probeDistances(set: VecSet, qs: Uint8Array): Uint16Array | undefined {
    const probe = this.probeSample(set);
    return probe.length >= 64 * (set.sketchBits / 32) ? hammingDistances(qs, probe).sort() : undefined;
  }

  // The probe sample's sketches, read once per state of the set (the sample is only an estimate:
  // one another process changed since is still a fair one).
  private probeSample(set: VecSet): Uint32Array {
    const key = `${set.name}:${set.probeModulus}:${set.probeRows}:${set.mean ? 'c' : 'u'}`;
    if (this.probe?.key !== key) this.probe = { key, words: sketchWords(this.repo.probeSketches(set)) };
    return this.probe.words;
  }

  private probeModulus(count: number): number {
    return Math.max(1, Math.floor(count / this.probeTarget));
  }

  private rerank(set: VecSet, query: Float32Array, ids: readonly number[], k: number): VectorHit[] {
    let hits: VectorHit[] = [];
    for (let i = 0; i < ids.length; i += PAGE)
      hits = top([...hits, ...this.repo.nearest(set, query, k, ids.slice(i, i + PAGE))], k);
    return hits;
  }

  /** Exact scan of the whole set (small sets, and the benchmark's baseline). */
  exact(set: VecSet, query: Float32Array, k: number): VectorHit[] {
    return this.repo.nearest(set, query, k);
  }

  /** Exact cosine distances of the given chunks (chunks without a vector are absent). */
  distances(set: VecSet, query: Float32Array, ids: readonly number[]): VectorHit[] {
    return this.repo.nearest(set, query, ids.length, ids);
  }
}

function top(hits: VectorHit[], k: number): VectorHit[] {
  return hits.sort((a, b) => a.distance - b.distance || a.id - b.id).slice(0, k);
}

function sameVector(a: Float32Array | null, b: Float32Array | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
