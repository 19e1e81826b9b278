/**
 * Sign sketches for the first stage of vector search. A vector (minus the set's mean, which
 * removes the component every chunk shares) is rotated by a seeded structured random rotation
 * (random sign flips and Walsh–Hadamard transforms, O(d log d)) and each rotated coordinate
 * keeps only its sign: random-hyperplane hashing, where the Hamming distance between two
 * sketches estimates the angle between the vectors. sqlite-vec stores the sketches as `bit[n]`
 * vectors and ranks them by Hamming distance; the exact vectors then re-rank the candidates.
 *
 * Why rotate: `vec_quantize_binary` keeps the sign of each raw coordinate, which says almost
 * nothing for sparse vectors (the offline embedder's short queries have ~30 non-zero of 384
 * coordinates) or for coordinates with a large shared offset. After a random rotation every bit
 * is an unbiased, independent-ish vote on the angle, whatever the embedding model.
 * Why the mean: for unit vectors, q·x and q·(x − μ) differ by the constant q·μ, so ranking by
 * either is the same; removing μ spreads the angles the sketch has to tell apart.
 */
import { mulberry32 } from '../util/rng.js';

/** Bits per sketch: 128 bytes a chunk, ~8% of a 384-d float vector. */
export const SKETCH_BITS = 1024;
/** Seed of the rotation: fixed, so every process builds the same sketches for the same vectors. */
export const SKETCH_SEED = 0x5eed_c0de;

const ROUNDS = 2;

function nextPow2(n: number): number {
  let p = 8;
  while (p < n) p *= 2;
  return p;
}

// In-place unnormalised Walsh–Hadamard transform (length a power of two).
function fwht(a: Float64Array): void {
  const n = a.length;
  for (let h = 1; h < n; h *= 2) {
    for (let i = 0; i < n; i += h * 2) {
      for (let j = i; j < i + h; j++) {
        const x = a[j]!;
        const y = a[j + h]!;
        a[j] = x + y;
        a[j + h] = x - y;
      }
    }
  }
}

/** Builds sketches of `bits` bits for vectors of one dimension; deterministic for (dimension, bits, seed). */
export class Sketcher {
  readonly bytes: number;
  private readonly width: number;
  private readonly blocks: number;
  private readonly signs: Float64Array[];
  private readonly scratch: Float64Array;

  constructor(
    readonly dimension: number,
    readonly bits = SKETCH_BITS,
    private readonly mean: Float32Array | null = null,
    seed = SKETCH_SEED,
  ) {
    if (bits % 8 !== 0 || bits <= 0) throw new Error(`sketch bits must be a positive multiple of 8, got ${bits}`);
    if (mean && mean.length !== dimension) throw new Error(`mean of dimension ${mean.length} for ${dimension}`);
    this.bytes = bits / 8;
    this.width = nextPow2(dimension);
    this.blocks = Math.ceil(bits / this.width);
    const rnd = mulberry32(seed ^ dimension);
    this.signs = Array.from({ length: this.blocks * ROUNDS }, () =>
      Float64Array.from({ length: this.width }, () => (rnd() < 0.5 ? -1 : 1)),
    );
    this.scratch = new Float64Array(this.width);
  }

  /**
   * The sketch of a stored vector (centred on the set's mean) or, with `query`, of a query
   * (not centred: ranking by q·(x − μ) is ranking by q·x).
   */
  sketch(v: Float32Array, query = false): Uint8Array {
    if (v.length !== this.dimension) throw new Error(`vector of dimension ${v.length} for ${this.dimension}`);
    const out = new Uint8Array(this.bytes);
    const a = this.scratch;
    const mean = query ? null : this.mean;
    for (let b = 0; b < this.blocks; b++) {
      a.fill(0);
      for (let i = 0; i < this.dimension; i++) a[i] = mean ? v[i]! - mean[i]! : v[i]!;
      for (let r = 0; r < ROUNDS; r++) {
        const s = this.signs[b * ROUNDS + r]!;
        for (let i = 0; i < this.width; i++) a[i]! *= s[i]!;
        fwht(a);
      }
      const base = b * this.width;
      const n = Math.min(this.width, this.bits - base);
      for (let i = 0; i < n; i++) if (a[i]! > 0) out[(base + i) >> 3]! |= 1 << ((base + i) & 7);
    }
    return out;
  }
}

// Bits set in a 32-bit word.
function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Sketches as 32-bit words (copied, so any byte offset works), for hammingDistances. */
export function sketchWords(bytes: Uint8Array): Uint32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`sketch bytes ${bytes.byteLength} are not whole 32-bit words`);
  return new Uint32Array(Uint8Array.from(bytes).buffer);
}

/**
 * Hamming distances from `query` (one sketch) to each of the sketches concatenated in `sketches`
 * (sketchWords of sketches of the query's length), in their order.
 */
export function hammingDistances(query: Uint8Array, sketches: Uint32Array): Uint16Array {
  const q = sketchWords(query);
  const words = q.length;
  if (!words || sketches.length % words !== 0)
    throw new Error(`${sketches.length} sketch words do not hold whole ${words}-word sketches`);
  const out = new Uint16Array(sketches.length / words);
  for (let r = 0, o = 0; r < out.length; r++, o += words) {
    let d = 0;
    for (let j = 0; j < words; j++) d += popcount32((sketches[o + j]! ^ q[j]!) >>> 0);
    out[r] = d;
  }
  return out;
}

/** Mean of vectors (all of one dimension); null when there are none. */
export function meanVector(vectors: Iterable<Float32Array>, dimension: number): Float32Array | null {
  const sum = new Float64Array(dimension);
  let n = 0;
  for (const v of vectors) {
    for (let i = 0; i < dimension; i++) sum[i]! += v[i]!;
    n++;
  }
  if (!n) return null;
  return Float32Array.from(sum, (x) => x / n);
}

/** Cosine distance 1 − cos(a, b); 1 when either vector is zero. */
export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  const d = Math.sqrt(na * nb);
  return d > 0 ? 1 - dot / d : 1;
}
