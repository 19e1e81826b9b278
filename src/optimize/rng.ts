import { mulberry32 as mulberry32Base } from '../util/rng.js';

/** A seeded random source: floats in [0, 1). */
export type Rng = () => number;

/** mulberry32 (shared with the learning module); same seed → same stream. */
export function mulberry32(seed: number): Rng {
  return mulberry32Base(seed);
}

/**
 * The stream for one generation. Deriving it from (seed, generation) instead of carrying one stream
 * through the run means a resumed run needs no saved RNG state to breed exactly as it would have.
 */
export function generationRng(seed: number, generation: number): Rng {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (generation + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return mulberry32(h);
}

/** Integer in [min, max]. */
export function randInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** Standard normal deviate (Box–Muller). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
