/**
 * Reads a vector set's sketches in bulk, straight from the shadow tables sqlite-vec keeps behind
 * the `<set>_sketch` vec0 table: `_chunks` (per block of `size` slots: a validity bitmap and the
 * slots' rowids as little-endian int64) and `_vector_chunks00` (the same block's sketches, `size`
 * × bits/8 bytes, slot by slot). One block is two blobs, so the whole set is read in a few
 * hundred rows instead of one row per chunk (research/sketch-scan.ts ranks them itself).
 *
 * The layout is sqlite-vec's, not ours, so it is checked before use: the table must say it was
 * created by sqlite-vec 0.1.x and every block's blobs must have the lengths its size implies.
 * Anything else yields undefined and the caller falls back to vec0's own kNN query.
 */
import type { DB } from './db.js';
import type { VecSet } from './research-vector-rows.js';

/** One block of sketch slots: slot i holds a sketch when bit i of `validity` is set. */
export interface SketchBlock {
  size: number;
  validity: Uint8Array;
  /** Little-endian int64 rowids (chunk ids), one per slot. */
  rowids: Uint8Array;
  /** `size` sketches of `bytes` bytes each, slot by slot. */
  sketches: Uint8Array;
}

/** The vec0 versions whose shadow-table layout this reader knows. */
const KNOWN_VERSION = /^v0\.1\.\d+$/;

export class ResearchSketchChunks {
  constructor(readonly db: DB) {}

  /**
   * A mark that changes whenever the database may have changed: another connection committed
   * (`data_version`) or this one wrote (`total_changes()`). Equal marks mean equal contents.
   */
  changeMark(): string {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    const own = this.db.prepare('SELECT total_changes()').pluck().get() as number;
    return `${version}:${own}`;
  }

  /**
   * The set's sketch blocks, in block order, read one at a time as `blocks` is iterated, with
   * `slots` (every block's size, summed: at least the number of sketches). Undefined when the
   * tables are not the known layout; iterating throws SketchLayoutError at a block that is not.
   */
  blocks(set: VecSet): { slots: number; blocks: Iterable<SketchBlock> } | undefined {
    const t = `${set.name}_sketch`;
    const exists = this.db
      .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)")
      .pluck()
      .get(`${t}_info`, `${t}_chunks`, `${t}_vector_chunks00`) as number;
    if (exists !== 3) return undefined;
    const version = this.db.prepare(`SELECT value FROM ${t}_info WHERE key = 'CREATE_VERSION'`).pluck().get();
    if (typeof version !== 'string' || !KNOWN_VERSION.test(version)) return undefined;
    const slots = this.db.prepare(`SELECT coalesce(sum(size), 0) FROM ${t}_chunks`).pluck().get() as number;
    const bytes = set.sketchBits / 8;
    const rows = this.db
      .prepare(
        `SELECT c.size, c.validity, c.rowids, v.vectors FROM ${t}_chunks c
         LEFT JOIN ${t}_vector_chunks00 v ON v.rowid = c.chunk_id ORDER BY c.chunk_id`,
      )
      .raw();
    function* read(): Generator<SketchBlock> {
      for (const row of rows.iterate() as Iterable<[number, Buffer, Buffer, Buffer | null]>) {
        const [size, validity, rowids, sketches] = row;
        if (
          !sketches ||
          !Number.isInteger(size) ||
          size <= 0 ||
          validity.length !== Math.ceil(size / 8) ||
          rowids.length !== size * 8 ||
          sketches.length !== size * bytes
        )
          throw new SketchLayoutError(`${t}: a block of ${size} slots has blobs of unexpected lengths`);
        yield { size, validity, rowids, sketches };
      }
    }
    return { slots, blocks: read() };
  }
}

/** A sketch block whose blobs do not have the lengths sqlite-vec's layout implies. */
export class SketchLayoutError extends Error {
  override name = 'SketchLayoutError';
}
