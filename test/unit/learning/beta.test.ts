import { describe, expect, it } from 'vitest';
import { interval, mean, normalCdf, posterior, probGreater, sample, seededRng } from '../../../src/learning/beta.js';

describe('Beta posteriors', () => {
  it('starts uniform and moves toward the observed rate', () => {
    expect(mean(posterior(0, 0))).toBe(0.5);
    expect(mean(posterior(9, 10))).toBeCloseTo(10 / 12);
    const [lo, hi] = interval(posterior(90, 100));
    expect(lo).toBeGreaterThan(0.8);
    expect(hi).toBeLessThan(0.96);
  });

  it('P(X > Y) is near 1 for clearly different rates, 0.5 for equal ones, and symmetric', () => {
    const good = posterior(19, 20);
    const bad = posterior(8, 20);
    expect(probGreater(good, bad)).toBeGreaterThan(0.99);
    expect(probGreater(bad, good)).toBeLessThan(0.01);
    expect(probGreater(posterior(5, 10), posterior(5, 10))).toBeCloseTo(0.5, 6);
    expect(probGreater(posterior(2, 3), posterior(1, 3)) + probGreater(posterior(1, 3), posterior(2, 3))).toBeCloseTo(
      1,
      6,
    );
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
  });

  it('samples (Thompson) average to the posterior mean, reproducibly for one seed', () => {
    const b = posterior(3, 10);
    const rng = seededRng(42);
    const xs = Array.from({ length: 4000 }, () => sample(b, rng));
    expect(xs.every((x) => x > 0 && x < 1)).toBe(true);
    expect(xs.reduce((a, c) => a + c, 0) / xs.length).toBeCloseTo(mean(b), 1);
    const again = seededRng(42);
    expect(sample(b, again)).toBe(xs[0]);
  });
});
