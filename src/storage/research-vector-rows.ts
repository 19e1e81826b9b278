/**
 * Storage's own types for the research vector sets (a registry row of `research_vec_tables` and
 * its parsed form) and the conversions between blobs and typed arrays.
 */
import { createHash } from 'node:crypto';

/** A vector set registered for one embedding model and dimension. */
export interface VecSet {
  name: string;
  model: string;
  dimension: number;
  /**
   * 3: vectors once, sketches in vec0, the probe sample in a plain table; 2: the same with the
   * probe sample in vec0 (slow to read whole); 1: the layout before migration 33. Sets of layouts
   * 1 and 2 are converted on first use.
   */
  layout: 1 | 2 | 3;
  vectors: number;
  sketchBits: number;
  mean: Float32Array | null;
  probeModulus: number;
  probeRows: number;
}

/** Computes a stored vector's sketch for a given set mean (see research/quantizer.ts). */
export type SketchFn = (v: Float32Array) => Uint8Array;
/** Gives the sketch function for the set's current mean. */
export type SketcherFor = (mean: Float32Array | null) => SketchFn;

export interface SetRow {
  name: string;
  model: string;
  dimension: number;
  layout: number;
  vectors: number;
  sketch_bits: number;
  mean: Buffer | null;
  probe_modulus: number;
  probe_rows: number;
}

// A Float32Array view needs 4-byte alignment; the rare unaligned buffer is copied.
export function toFloats(b: Buffer): Float32Array {
  if (b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  return new Float32Array(new Uint8Array(b).buffer);
}

export function blob(v: Float32Array | Uint8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function setName(model: string, dimension: number): string {
  const slug = model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40);
  return `research_vec_${slug}_${createHash('sha256').update(model).digest('hex').slice(0, 8)}_${dimension}`;
}

export function toSet(r: SetRow): VecSet {
  return {
    name: r.name,
    model: r.model,
    dimension: r.dimension,
    layout: r.layout === 3 ? 3 : r.layout === 2 ? 2 : 1,
    vectors: r.vectors,
    sketchBits: r.sketch_bits,
    mean: r.mean ? Float32Array.from(toFloats(r.mean)) : null,
    probeModulus: Math.max(1, r.probe_modulus),
    probeRows: r.probe_rows,
  };
}
