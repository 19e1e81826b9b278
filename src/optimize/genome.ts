import { gaussian, randInt, type Rng } from './rng.js';
import type { GeneValue, Genome, ParamRange, ParameterRanges } from './types.js';

/** Canonical key of a genome: keys sorted, so equal genomes always share one key. */
export function genomeKey(g: Genome): string {
  return JSON.stringify(
    Object.keys(g)
      .sort()
      .map((k) => [k, g[k]]),
  );
}

/** A uniformly random value of one range. */
export function randomGene(r: ParamRange, rng: Rng): GeneValue {
  switch (r.type) {
    case 'int':
      return randInt(rng, Math.ceil(r.min), Math.floor(r.max));
    case 'float':
      return clampGene(r, r.min + rng() * (r.max - r.min));
    case 'bool':
      return rng() < 0.5;
    case 'choice':
      return r.values[Math.floor(rng() * r.values.length)]!;
  }
}

/** A uniformly random genome over all ranges (keys in ranges order). */
export function randomGenome(ranges: ParameterRanges, rng: Rng): Genome {
  const g: Genome = {};
  for (const [k, r] of Object.entries(ranges)) g[k] = randomGene(r, rng);
  return g;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Brings a numeric value inside its range (ints rounded). */
export function clampGene(r: ParamRange, v: number): GeneValue {
  if (r.type === 'int') return clamp(Math.round(v), Math.ceil(r.min), Math.floor(r.max));
  // six significant digits: enough for any setting, and configs stay readable
  if (r.type === 'float') return clamp(Number(v.toPrecision(6)), r.min, r.max);
  return v;
}

/**
 * Type-aware mutation of one gene: a gaussian step (sigma = fraction of the range width) clamped to the
 * range for numbers, a flip for bools, a different value for choices. Always changes the value when it can.
 */
export function mutateGene(r: ParamRange, v: GeneValue, rng: Rng, sigma: number): GeneValue {
  switch (r.type) {
    case 'int': {
      const lo = Math.ceil(r.min);
      const hi = Math.floor(r.max);
      if (lo === hi) return lo;
      const step = Math.round(gaussian(rng) * sigma * (hi - lo));
      // a zero step would waste the mutation, so move by at least one
      const next = clampGene(r, (v as number) + (step === 0 ? (rng() < 0.5 ? -1 : 1) : step)) as number;
      return next === v ? clampGene(r, (v as number) + (next === hi ? -1 : 1)) : next;
    }
    case 'float':
      return clampGene(r, (v as number) + gaussian(rng) * sigma * (r.max - r.min));
    case 'bool':
      return !v;
    case 'choice': {
      if (r.values.length < 2) return r.values[0]!;
      const others = r.values.filter((x) => x !== v);
      return others[Math.floor(rng() * others.length)]!;
    }
  }
}

/** Mutates each gene with probability `rate`; returns a new genome. */
export function mutate(g: Genome, ranges: ParameterRanges, rng: Rng, rate: number, sigma: number): Genome {
  const out: Genome = { ...g };
  for (const [k, r] of Object.entries(ranges)) {
    if (rng() < rate) out[k] = mutateGene(r, out[k]!, rng, sigma);
  }
  return out;
}

/** Mutates exactly one randomly chosen gene (used to break duplicates). */
export function mutateOne(g: Genome, ranges: ParameterRanges, rng: Rng, sigma: number): Genome {
  const keys = Object.keys(ranges);
  const k = keys[Math.floor(rng() * keys.length)]!;
  return { ...g, [k]: mutateGene(ranges[k]!, g[k]!, rng, sigma) };
}

/**
 * Crossover of two parents. Uniform: each gene from either parent. Blend (BLX-0.5): numeric genes drawn
 * from the parents' interval widened by half its width, so children can explore beyond both parents;
 * bools and choices are taken uniformly.
 */
export function crossover(a: Genome, b: Genome, ranges: ParameterRanges, rng: Rng, kind: 'uniform' | 'blend'): Genome {
  const out: Genome = {};
  for (const [k, r] of Object.entries(ranges)) {
    const x = a[k]!;
    const y = b[k]!;
    if (kind === 'blend' && (r.type === 'int' || r.type === 'float')) {
      const lo = Math.min(x as number, y as number);
      const hi = Math.max(x as number, y as number);
      const d = (hi - lo) * 0.5;
      out[k] = clampGene(r, lo - d + rng() * (hi - lo + 2 * d));
    } else {
      out[k] = rng() < 0.5 ? x : y;
    }
  }
  return out;
}

/** Mean normalised distance between genomes and their centroid, in [0, 1]; 0 when all are equal. */
export function diversity(pop: Genome[], ranges: ParameterRanges): number {
  if (pop.length < 2) return 0;
  const keys = Object.keys(ranges);
  let total = 0;
  for (const k of keys) {
    const r = ranges[k]!;
    const vals = pop.map((g) => g[k]!);
    if (r.type === 'int' || r.type === 'float') {
      const width = r.max - r.min || 1;
      const nums = vals as number[];
      const mean = nums.reduce((s, v) => s + v, 0) / nums.length;
      total += nums.reduce((s, v) => s + Math.abs(v - mean), 0) / nums.length / (width / 2);
    } else {
      // share of genomes that differ from the most common value
      const counts = new Map<GeneValue, number>();
      for (const v of vals) counts.set(v, (counts.get(v) ?? 0) + 1);
      total += 1 - Math.max(...counts.values()) / vals.length;
    }
  }
  return Math.min(1, total / keys.length);
}
