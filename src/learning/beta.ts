import { mulberry32 } from '../util/rng.js';
/**
 * Beta posteriors over rates (success, schema validity) with a uniform Beta(1,1) prior, plus
 * Thompson sampling. Comparisons use the normal approximation of the difference of two Betas,
 * which is deterministic (so `improve` proposes the same thing twice on the same data) and close
 * enough once each side has a handful of observations; with very few it is wide, as it should be.
 */

/** A Beta(alpha, beta) posterior after `successes` of `trials` from a Beta(1,1) prior. */
export interface Beta {
  alpha: number;
  beta: number;
}

/** Posterior after observing successes out of trials (weights may be fractional). */
export function posterior(successes: number, trials: number): Beta {
  return { alpha: 1 + successes, beta: 1 + Math.max(0, trials - successes) };
}

/** Posterior mean. */
export function mean(b: Beta): number {
  return b.alpha / (b.alpha + b.beta);
}

/** Posterior variance. */
export function variance(b: Beta): number {
  const n = b.alpha + b.beta;
  return (b.alpha * b.beta) / (n * n * (n + 1));
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/** P(X > Y) for independent Beta posteriors X, Y (normal approximation). */
export function probGreater(x: Beta, y: Beta): number {
  const sd = Math.sqrt(variance(x) + variance(y));
  return normalCdf((mean(x) - mean(y)) / sd);
}

/** Central credible interval at `level` (normal approximation, clipped to [0,1]). */
export function interval(b: Beta, level = 0.9): [number, number] {
  const z = level >= 0.95 ? 1.96 : level >= 0.9 ? 1.645 : 1.282;
  const m = mean(b);
  const h = z * Math.sqrt(variance(b));
  return [Math.max(0, m - h), Math.min(1, m + h)];
}

/** A seeded uniform RNG in [0,1) (mulberry32): reproducible exploration in tests. */
export function seededRng(seed: number): () => number {
  return mulberry32(seed);
}

function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

// Marsaglia–Tsang; shape < 1 is boosted by U^(1/shape).
function gamma(shape: number, rng: () => number): number {
  if (shape < 1) return gamma(shape + 1, rng) * Math.max(rng(), 1e-12) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = gaussian(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** One draw from a Beta posterior (Thompson sampling). */
export function sample(b: Beta, rng: () => number): number {
  const x = gamma(b.alpha, rng);
  const y = gamma(b.beta, rng);
  return x / (x + y);
}
