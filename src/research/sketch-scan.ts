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

/**
 * The sketches of one set, in memory, ranked by Hamming distance to a query on demand. Blocks are
 * held whole, slot for slot (deleted slots too, marked invalid), so loading is three copies per
 * block and only the chosen slots' chunk ids are ever decoded.
 */
export class SketchScan {
  private constructor(
    private readonly k: Kernel,
    /** Bytes per sketch. */
    readonly bytes: number,
    /** Slots held (valid or not). */
    private readonly slots: number,
    /** Bit i set: slot i holds a live sketch. */
    private readonly valid: Uint8Array,
    /** Little-endian int64 chunk id of each slot. */
    private readonly rowids: DataView,
    /** How many slots hold a live sketch. */
    readonly size: number,
    private readonly distOffset: number,
    private readonly rowsOffset: number,
  ) {}

  /**
   * Holds `blocks` (at most `slots` slots in all, sketches of `bytes` bytes each), copying each
   * block as it is read. Undefined when the kernel cannot take them: a sketch size that is not a
   * multiple of 16 bytes or above QUERY_BYTES, more than `limit` bytes in all, or a block that is
   * not sqlite-vec's layout.
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
    const valid = new Uint8Array(Math.ceil(slots / 8));
    const rowids = new Uint8Array(slots * 8);
    let at = 0;
    let live = 0;
    try {
      for (const b of source.blocks) {
        if (at + b.size > slots) return undefined; // more blocks than counted: written meanwhile
        mem.set(b.sketches, rowsOffset + at * bytes);
        rowids.set(b.rowids, at * 8);
        if (at % 8 === 0 && b.size % 8 === 0) {
          valid.set(b.validity, at / 8);
          for (const v of b.validity) live += BIT_COUNT[v]!;
        } else
          for (let i = 0; i < b.size; i++)
            if ((b.validity[i >> 3]! >> (i & 7)) & 1) {
              valid[(at + i) >> 3]! |= 1 << ((at + i) & 7);
              live++;
            }
        at += b.size;
      }
    } catch (e) {
      if (e instanceof SketchLayoutError) return undefined;
      throw e;
    }
    return new SketchScan(k, bytes, at, valid, new DataView(rowids.buffer), live, distOffset, rowsOffset);
  }

  private id(slot: number): number {
    return this.rowids.getUint32(slot * 8, true) + this.rowids.getInt32(slot * 8 + 4, true) * 2 ** 32;
  }

  private live(slot: number): boolean {
    return ((this.valid[slot >> 3]! >> (slot & 7)) & 1) === 1;
  }

  /** The chunk id of each live sketch, in slot order. */
  ids(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.slots; i++) if (this.live(i)) out.push(this.id(i));
    return out;
  }

  /**
   * Hamming distance from `query` to the sketch in each slot (live or not), in slot order: a view,
   * valid until the next call.
   */
  private slotDistances(query: Uint8Array): Uint16Array {
    if (query.length !== this.bytes) throw new Error(`query sketch of ${query.length} bytes for ${this.bytes}`);
    new Uint8Array(this.k.memory.buffer).set(query, 0);
    this.k.distances(0, this.rowsOffset, this.slots, this.bytes, this.distOffset);
    return new Uint16Array(this.k.memory.buffer, this.distOffset, this.slots);
  }

  /** Hamming distance from `query` to each live sketch, in the order of ids(). */
  distances(query: Uint8Array): number[] {
    const d = this.slotDistances(query);
    const out: number[] = [];
    for (let i = 0; i < this.slots; i++) if (this.live(i)) out.push(d[i]!);
    return out;
  }

  /**
   * The chunk ids of the `c` live sketches nearest to `query` by Hamming distance (of those
   * `allowed`, when given); ties at the cut-off go to the earlier slot. All of them when there
   * are at most `c`.
   */
  nearest(query: Uint8Array, c: number, allowed?: ReadonlySet<number>): number[] {
    const d = this.slotDistances(query);
    const bits = this.bytes * 8;
    const skip = bits + 1;
    const hist = new Uint32Array(bits + 2);
    for (let i = 0; i < d.length; i++) {
      if (!this.live(i) || (allowed && !allowed.has(this.id(i)))) d[i] = skip;
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
      if (x < t || (x === t && atCut-- > 0)) out.push(this.id(i));
    }
    return out;
  }
}

const BIT_COUNT = Uint8Array.from({ length: 256 }, (_, v) => {
  let n = 0;
  for (let x = v; x; x >>= 1) n += x & 1;
  return n;
});
