import { describe, expect, it } from 'vitest';
import { EvolutionaryOptimizer, type ResumeState } from '../../../src/optimize/engine.js';
import { genomeKey } from '../../../src/optimize/genome.js';
import type {
  Evaluator,
  FitnessResult,
  GenerationRecord,
  Genome,
  ParameterRanges,
} from '../../../src/optimize/types.js';
// @ts-expect-error plain JS module shared with the bench and fit.sh
import { fitness as exampleFitness } from '../../../examples/optimize/fitness.mjs';

const RANGES: ParameterRanges = {
  batch_size: { type: 'int', min: 1, max: 100 },
  timeout: { type: 'int', min: 10, max: 300 },
  max_concurrent: { type: 'int', min: 1, max: 16 },
  cache_enabled: { type: 'bool' },
};
const TEMPLATE: Genome = { batch_size: 32, timeout: 60, max_concurrent: 4, cache_enabled: false };
const fitOf = exampleFitness as (g: Genome) => number;

/** An in-process evaluator that records every genome it is asked about. */
function recording(f: (g: Genome) => FitnessResult = (g) => ({ ok: true, fitness: fitOf(g) })) {
  const seen: string[] = [];
  const evaluator: Evaluator = async (gs) => {
    seen.push(...gs.map(genomeKey));
    return gs.map(f);
  };
  return { seen, evaluator };
}

const CONFIG = { populationSize: 20, maxGenerations: 30, seed: 7, mutationRate: 0.25 };

describe('EvolutionaryOptimizer', () => {
  it('gets within 5% of the known optimum on the 4-parameter example (20 x 30)', async () => {
    for (const seed of [1, 7, 42]) {
      const { evaluator } = recording();
      const r = await new EvolutionaryOptimizer(RANGES, { ...CONFIG, seed }, evaluator, { template: TEMPLATE }).run();
      expect(r.best!.fitness).toBeGreaterThanOrEqual(95);
      expect(r.evaluations).toBeLessThanOrEqual(600);
    }
  });

  it('gives the same result for the same seed and a different one for another seed', async () => {
    const a = await new EvolutionaryOptimizer(RANGES, CONFIG, recording().evaluator).run();
    const b = await new EvolutionaryOptimizer(RANGES, CONFIG, recording().evaluator).run();
    const c = await new EvolutionaryOptimizer(RANGES, { ...CONFIG, seed: 8 }, recording().evaluator).run();
    expect(b).toEqual(a);
    expect(c.generations).not.toEqual(a.generations);
  });

  it('never evaluates a genome twice and counts evaluations exactly', async () => {
    const { seen, evaluator } = recording();
    const r = await new EvolutionaryOptimizer(RANGES, CONFIG, evaluator).run();
    expect(new Set(seen).size).toBe(seen.length);
    expect(r.evaluations).toBe(seen.length);
  });

  it('keeps every gene inside its range and of its type', async () => {
    const ranges: ParameterRanges = {
      i: { type: 'int', min: -3, max: 3 },
      f: { type: 'float', min: 0.5, max: 0.75 },
      b: { type: 'bool' },
      c: { type: 'choice', values: ['a', 'b', 7] },
    };
    const all: Genome[] = [];
    const evaluator: Evaluator = async (gs) => {
      all.push(...gs);
      return gs.map((g) => ({ ok: true, fitness: (g.f as number) - Math.abs(g.i as number) }));
    };
    await new EvolutionaryOptimizer(
      ranges,
      { populationSize: 10, maxGenerations: 15, mutationRate: 0.9 },
      evaluator,
    ).run();
    expect(all.length).toBeGreaterThan(20);
    for (const g of all) {
      expect(Number.isInteger(g.i) && (g.i as number) >= -3 && (g.i as number) <= 3).toBe(true);
      expect((g.f as number) >= 0.5 && (g.f as number) <= 0.75).toBe(true);
      expect(typeof g.b).toBe('boolean');
      expect(['a', 'b', 7]).toContain(g.c);
    }
  });

  it('with elitism, the best of each generation never gets worse', async () => {
    const r = await new EvolutionaryOptimizer(RANGES, { ...CONFIG, elitism: 1 }, recording().evaluator).run();
    const bests = r.generations.map((g) => g.best!);
    for (let i = 1; i < bests.length; i++) expect(bests[i]!).toBeGreaterThanOrEqual(bests[i - 1]!);
    expect(bests[bests.length - 1]).toBe(r.best!.fitness);
  });

  it('minimizes when maximize is false', async () => {
    const r = await new EvolutionaryOptimizer(
      RANGES,
      { ...CONFIG, maximize: false, maxGenerations: 15 },
      recording().evaluator,
    ).run();
    expect(r.best!.fitness).toBeLessThan(1);
  });

  it('resumed from any finished generation, ends exactly where an uninterrupted run ends', async () => {
    const gens: GenerationRecord[] = [];
    const whole = await new EvolutionaryOptimizer(RANGES, CONFIG, recording().evaluator, {
      hooks: { onGeneration: (g) => void gens.push(g) },
    }).run();
    for (const cut of [1, 5, 17]) {
      const kept = gens.slice(0, cut);
      const evaluated = new Map<string, FitnessResult>();
      for (const g of kept) for (const i of g.individuals) evaluated.set(i.key, i.result);
      const state: ResumeState = { generations: kept, evaluated };
      const { seen, evaluator } = recording();
      const resumed = await new EvolutionaryOptimizer(RANGES, CONFIG, evaluator).run(state);
      expect(resumed).toEqual(whole);
      for (const k of seen) expect(evaluated.has(k)).toBe(false);
    }
  });

  it('stops early on a plateau', async () => {
    const flat: Evaluator = async (gs) => gs.map(() => ({ ok: true, fitness: 1 }));
    const r = await new EvolutionaryOptimizer(RANGES, { ...CONFIG, plateauGenerations: 4 }, flat).run();
    expect(r.stopReason).toBe('plateau');
    expect(r.generations.length).toBe(5);
  });

  it('records failed evaluations as failures, never as a fitness, and keeps going', async () => {
    const { evaluator } = recording((g) =>
      (g.max_concurrent as number) > 12 ? { ok: false, error: 'crashed' } : { ok: true, fitness: fitOf(g) },
    );
    const r = await new EvolutionaryOptimizer(RANGES, CONFIG, evaluator).run();
    expect(r.failures).toBeGreaterThan(0);
    expect(r.best!.genome.max_concurrent as number).toBeLessThanOrEqual(12);
  });

  it('fails with the genome and reason when every evaluation of a generation fails, after storing it', async () => {
    const batches: number[] = [];
    const bad: Evaluator = async (gs) => gs.map(() => ({ ok: false, error: 'printed no number' }));
    const run = new EvolutionaryOptimizer(RANGES, CONFIG, bad, {
      template: TEMPLATE,
      hooks: { onEvaluated: (b) => void batches.push(b.length) },
    }).run();
    await expect(run).rejects.toThrow(/generation 0 failed; genome \{"batch_size":32.*printed no number/);
    expect(batches).toEqual([20]);
  });

  it('injects immigrants when the population collapses', async () => {
    const ranges: ParameterRanges = { x: { type: 'float', min: 0, max: 1000 } };
    const recs: GenerationRecord[] = [];
    const evaluator: Evaluator = async (gs) => gs.map((g) => ({ ok: true, fitness: -Math.abs((g.x as number) - 500) }));
    await new EvolutionaryOptimizer(
      ranges,
      { populationSize: 10, maxGenerations: 25, mutationSigma: 0.001 },
      evaluator,
      {
        hooks: { onGeneration: (g) => void recs.push(g) },
      },
    ).run();
    const i = recs.findIndex((r) => r.immigrants > 0);
    expect(i).toBeGreaterThan(0);
    // the immigrants widen the population again
    expect(recs[i]!.diversity).toBeGreaterThan(recs[i - 1]!.diversity);
  });
});
