/**
 * The first stage of vector search done here instead of in sqlite-vec: every sketch of a set,
 * read in bulk (storage/research-sketch-chunks.ts), is held in one WebAssembly memory, and a
 * query's Hamming distances to all of them come from a small kernel (hamming.wat: two 64-bit
 * popcounts per step, ~20 ns a 1024-bit sketch on one core), then the exact top `c` is picked
 * from a histogram of the distances (they are at most the sketch's bit count). sqlite-vec 0.1.9
 * needs ~80 ms to rank 1M sketches for k = 10 and refuses k > 4096; this needs ~25 ms for any c.
 */
import { type SketchBlock, SketchLayoutError } from '../storage/research-sketch-chunks.js';
import { HAMMING_WASM } from './hamming-wasm.js';

/** Sketches above this many bytes in all are not held in memory (the caller uses vec0's kNN). */
export const SCAN_LIMIT_BYTES = 512 * 1024 * 1024;

const PAGE = 65536;
// Bytes reserved for the query sketch at offset 0 (sketches up to 32,768 bits).
const QUERY_BYTES = 4096;

interface Kernel {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  distances: (q: number, rows: number, n: number, stride: number, out: number) => void;
}

// The part of the WebAssembly global used here (the project's type libraries do not declare it).
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
let compiled: object | undefined;

function kernel(): Kernel {
  compiled ??= new wasm.Module(Buffer.from(HAMMING_WASM, 'base64'));
  return new wasm.Instance(compiled, {}).exports as Kernel;
}

/** The live sketches of one set, in memory, ranked by Hamming distance to a query on demand. */
export class SketchScan {
  private constructor(
    private readonly k: Kernel,
    /** Bytes per sketch. */
    readonly bytes: number,
    /** Chunk id of each held sketch, in memory order. */
    readonly ids: Float64Array,
    private readonly distOffset: number,
    private readonly rowsOffset: number,
  ) {}

  /** How many sketches are held. */
  get size(): number {
    return this.ids.length;
  }

  /**
   * Holds the valid slots of `blocks` (at most `slots` of them, sketches of `bytes` bytes each),
   * copying each block as it is read. Undefined when the kernel cannot take them: a sketch size
   * that is not a multiple of 16 bytes or above QUERY_BYTES, more than `limit` bytes in all, or a
   * block that is not sqlite-vec's layout.
   */
  static load(
    source: { slots: number; blocks: Iterable<SketchBlock> },
    bytes: number,
    limit = SCAN_LIMIT_BYTES,
  ): SketchScan | undefined {
    const { slots } = source;
    if (bytes <= 0 || bytes % 16 !== 0 || bytes > QUERY_BYTES || slots * bytes > limit) return undefined;
    // memory: the query, then each slot's distance (16 bits), then the sketches
    const distOffset = QUERY_BYTES;
    const rowsOffset = QUERY_BYTES + Math.ceil((slots * 2) / 16) * 16;
    const k = kernel();
    const need = rowsOffset + slots * bytes;
    const have = k.memory.buffer.byteLength;
    if (need > have) k.memory.grow(Math.ceil((need - have) / PAGE));
    const mem = new Uint8Array(k.memory.buffer);
    const ids = new Float64Array(slots);
    let r = 0;
    try {
      for (const b of source.blocks) {
        if (r + b.size > slots) return undefined; // more blocks than counted: written meanwhile
        const view = new DataView(b.rowids.buffer, b.rowids.byteOffset, b.rowids.byteLength);
        const full = b.size % 8 === 0 && b.validity.every((v) => v === 0xff);
        if (full) mem.set(b.sketches, rowsOffset + r * bytes);
        for (let i = 0; i < b.size; i++) {
          if (!full) {
            if (!((b.validity[i >> 3]! >> (i & 7)) & 1)) continue;
            mem.set(b.sketches.subarray(i * bytes, (i + 1) * bytes), rowsOffset + r * bytes);
          }
          ids[r++] = view.getUint32(i * 8, true) + view.getInt32(i * 8 + 4, true) * 2 ** 32;
        }
      }
    } catch (e) {
      if (e instanceof SketchLayoutError) return undefined;
      throw e;
    }
    return new SketchScan(k, bytes, ids.slice(0, r), distOffset, rowsOffset);
  }

  /** Hamming distance from `query` to each held sketch, in the order of `ids` (a view: valid until the next call). */
  distances(query: Uint8Array): Uint16Array {
    if (query.length !== this.bytes) throw new Error(`query sketch of ${query.length} bytes for ${this.bytes}`);
    new Uint8Array(this.k.memory.buffer).set(query, 0);
    this.k.distances(0, this.rowsOffset, this.size, this.bytes, this.distOffset);
    return new Uint16Array(this.k.memory.buffer, this.distOffset, this.size);
  }

  /**
   * The chunk ids of the `c` sketches nearest to `query` by Hamming distance (of those `allowed`,
   * when given); ties at the cut-off go to the earlier held sketch. All of them when there are
   * at most `c`.
   */
  nearest(query: Uint8Array, c: number, allowed?: ReadonlySet<number>): number[] {
    const d = this.distances(query);
    const bits = this.bytes * 8;
    const skip = bits + 1;
    const hist = new Uint32Array(bits + 2);
    for (let i = 0; i < d.length; i++) {
      if (allowed && !allowed.has(this.ids[i]!)) d[i] = skip;
      hist[d[i]!]!++;
    }
    // the smallest distance t with at least c sketches at or below it
    let t = 0;
    for (let seen = hist[0]!; seen < c && t < bits; ) seen += hist[++t]!;
    let atCut = c;
    for (let x = 0; x < t; x++) atCut -= hist[x]!;
    const out: number[] = [];
    for (let i = 0; i < d.length; i++) {
      const x = d[i]!;
      if (x < t || (x === t && atCut-- > 0)) out.push(this.ids[i]!);
    }
    return out;
  }
}
