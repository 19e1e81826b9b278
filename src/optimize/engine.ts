import { AppError } from '../errors.js';
import { crossover, diversity, genomeKey, mutate, mutateOne, randomGenome } from './genome.js';
import { generationRng, type Rng } from './rng.js';
import {
  DEFAULT_EVOLUTION,
  type Evaluator,
  type EvolutionConfig,
  type FitnessResult,
  type GenerationRecord,
  type Genome,
  type Individual,
  type OptimizationResult,
  type ParameterRanges,
} from './types.js';

/** Below this population diversity, the worst part of the next generation is replaced by immigrants. */
const DIVERSITY_FLOOR = 0.02;
const IMMIGRANT_SHARE = 0.2;
const DUPLICATE_RETRIES = 20;

/** Observers of a run; each is awaited, so a generation is stored before the next one starts. */
export interface EngineHooks {
  /** One new genome was evaluated (if the evaluator reports results one by one). */
  onEvaluatedOne?(ind: Individual, generation: number): void;
  /** A batch of new (never seen) genomes was evaluated. */
  onEvaluated?(batch: Individual[], generation: number): void | Promise<void>;
  /** A generation finished: every individual has a result. */
  onGeneration?(rec: GenerationRecord): void | Promise<void>;
  /** A generation is about to be evaluated: `pending` genomes are new. */
  onEvaluating?(e: { generation: number; pending: number; population: number }): void;
}

/** State of an interrupted run: the finished generations and every successful evaluation so far. */
export interface ResumeState {
  generations: GenerationRecord[];
  /** Every evaluation by genome key; failed ones are evaluated once more when a generation needs them. */
  evaluated: Map<string, FitnessResult>;
}

/**
 * A pure evolutionary search over typed parameter ranges. All randomness comes from the seed, all
 * fitness from the injected evaluator, so the same seed and evaluator give the same result, and a run
 * resumed from any finished generation ends exactly where an uninterrupted one would.
 */
export class EvolutionaryOptimizer {
  readonly config: EvolutionConfig;
  private readonly memo = new Map<string, FitnessResult>();
  /** Keys that failed in an earlier session of a resumed run: evaluated once more, as the cause may be fixed. */
  private readonly retry = new Set<string>();

  constructor(
    readonly ranges: ParameterRanges,
    config: Partial<EvolutionConfig>,
    private readonly evaluator: Evaluator,
    private readonly opts: { template?: Genome; initial?: Genome[]; hooks?: EngineHooks } = {},
  ) {
    this.config = { ...DEFAULT_EVOLUTION, ...config };
  }

  /** Runs to max generations or a plateau; pass `resume` to continue after its last generation. */
  async run(resume?: ResumeState): Promise<OptimizationResult> {
    const c = this.config;
    const history: GenerationRecord[] = [];
    let pop: Individual[];
    for (const [k, r] of resume?.evaluated ?? []) {
      this.memo.set(k, r);
      if (!r.ok) this.retry.add(k);
    }
    if (resume && resume.generations.length > 0) {
      history.push(...resume.generations);
      pop = history[history.length - 1]!.individuals;
    } else {
      pop = await this.evaluateGeneration(0, this.initialPopulation(), 0, history);
    }
    let stopReason: OptimizationResult['stopReason'] = 'max_generations';
    for (let g = history.length; g < c.maxGenerations; g++) {
      if (this.plateaued(history)) {
        stopReason = 'plateau';
        break;
      }
      const rng = generationRng(c.seed, g);
      const { genomes, immigrants } = this.breed(pop, rng);
      pop = await this.evaluateGeneration(g, genomes, immigrants, history);
    }
    return {
      best: this.bestSoFar(),
      generations: history.map((h) => ({ best: h.best, mean: h.mean })),
      evaluations: this.memo.size,
      failures: this.failureCount(),
      stopReason,
    };
  }

  private initialPopulation(): Genome[] {
    const rng = generationRng(this.config.seed, 0);
    const out: Genome[] = [];
    const seen = new Set<string>();
    for (const g of [...(this.opts.template ? [this.opts.template] : []), ...(this.opts.initial ?? [])]) {
      const k = genomeKey(g);
      if (seen.has(k) || out.length >= this.config.populationSize) continue;
      seen.add(k);
      out.push(g);
    }
    for (let tries = 0; out.length < this.config.populationSize && tries < this.config.populationSize * 50; tries++) {
      const g = randomGenome(this.ranges, rng);
      const k = genomeKey(g);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(g);
    }
    // a tiny search space may hold fewer distinct genomes than the population
    while (out.length < this.config.populationSize) out.push(randomGenome(this.ranges, rng));
    return out;
  }

  private async evaluateGeneration(
    generation: number,
    genomes: Genome[],
    immigrants: number,
    history: GenerationRecord[],
  ): Promise<Individual[]> {
    const keys = genomes.map(genomeKey);
    const pending: Individual[] = [];
    const pendingKeys = new Set<string>();
    genomes.forEach((g, i) => {
      const k = keys[i]!;
      if ((this.memo.has(k) && !this.retry.has(k)) || pendingKeys.has(k)) return;
      this.retry.delete(k);
      pendingKeys.add(k);
      pending.push({ genome: g, key: k, result: { ok: false, error: 'not evaluated' } });
    });
    this.opts.hooks?.onEvaluating?.({ generation, pending: pending.length, population: genomes.length });
    if (pending.length > 0) {
      const onEach = this.opts.hooks?.onEvaluatedOne;
      const results = await this.evaluator(
        pending.map((p) => p.genome),
        onEach ? (i, result) => onEach({ ...pending[i]!, result }, generation) : undefined,
      );
      if (results.length !== pending.length) {
        throw new AppError('INTERNAL', `evaluator returned ${results.length} results for ${pending.length} genomes`);
      }
      pending.forEach((p, i) => {
        p.result = results[i]!;
        this.memo.set(p.key, p.result);
      });
      await this.opts.hooks?.onEvaluated?.(pending, generation);
    }
    const individuals = genomes.map((g, i) => ({ genome: g, key: keys[i]!, result: this.memo.get(keys[i]!)! }));
    const ok = individuals.filter((x) => x.result.ok).map((x) => (x.result as { fitness: number }).fitness);
    if (ok.length === 0) {
      const first = individuals[0]!;
      throw new AppError(
        'VALIDATION',
        `every evaluation of generation ${generation} failed; genome ${JSON.stringify(first.genome)}: ${(first.result as { error: string }).error}`,
        {
          hint: 'fix the fitness evaluator (run it by hand on that genome), then continue with --resume <run>',
          details: { generation, genome: first.genome },
        },
      );
    }
    const rec: GenerationRecord = {
      generation,
      individuals,
      best: ok.reduce((a, b) => (this.better(a, b) ? a : b)),
      mean: ok.reduce((s, v) => s + v, 0) / ok.length,
      diversity: diversity(genomes, this.ranges),
      evaluations: this.memo.size,
      failures: this.failureCount(),
      immigrants,
    };
    history.push(rec);
    await this.opts.hooks?.onGeneration?.(rec);
    return individuals;
  }

  private failureCount(): number {
    let n = 0;
    for (const r of this.memo.values()) if (!r.ok) n++;
    return n;
  }

  private better(a: number, b: number): boolean {
    return this.config.maximize ? a > b : a < b;
  }

  /** Ranks best first; failures last; ties keep population order so ranking is deterministic. */
  private rank(pop: Individual[]): Individual[] {
    const score = (x: Individual) =>
      x.result.ok ? (this.config.maximize ? x.result.fitness : -x.result.fitness) : -Infinity;
    return pop
      .map((x, i) => ({ x, i, s: score(x) }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .map((e) => e.x);
  }

  private breed(pop: Individual[], rng: Rng): { genomes: Genome[]; immigrants: number } {
    const c = this.config;
    const ranked = this.rank(pop);
    const next: Genome[] = [];
    const seen = new Set<string>();
    const add = (g: Genome) => {
      seen.add(genomeKey(g));
      next.push(g);
    };
    for (const e of ranked.slice(0, c.elitism)) if (e.result.ok && !seen.has(e.key)) add(e.genome);

    const collapsed =
      diversity(
        pop.map((p) => p.genome),
        this.ranges,
      ) < DIVERSITY_FLOOR;
    const immigrants = collapsed ? Math.max(1, Math.round(c.populationSize * IMMIGRANT_SHARE)) : 0;
    const tournament = (): Genome => {
      let best = Math.floor(rng() * ranked.length);
      for (let i = 1; i < c.tournamentSize; i++) best = Math.min(best, Math.floor(rng() * ranked.length));
      return ranked[best]!.genome;
    };
    while (next.length < c.populationSize - immigrants) {
      const p1 = tournament();
      let child = rng() < c.crossoverRate ? crossover(p1, tournament(), this.ranges, rng, c.crossover) : { ...p1 };
      child = mutate(child, this.ranges, rng, c.mutationRate, c.mutationSigma);
      for (let t = 0; seen.has(genomeKey(child)) && t < DUPLICATE_RETRIES; t++) {
        child = mutateOne(child, this.ranges, rng, c.mutationSigma);
      }
      if (seen.has(genomeKey(child))) child = randomGenome(this.ranges, rng);
      add(child);
    }
    while (next.length < c.populationSize) {
      let g = randomGenome(this.ranges, rng);
      for (let t = 0; seen.has(genomeKey(g)) && t < DUPLICATE_RETRIES; t++) g = randomGenome(this.ranges, rng);
      add(g);
    }
    return { genomes: next, immigrants };
  }

  private plateaued(history: GenerationRecord[]): boolean {
    const n = this.config.plateauGenerations;
    if (n <= 0 || history.length <= n) return false;
    let bestSoFar: number | null = null;
    let lastImprovement = 0;
    for (const h of history) {
      if (h.best === null) continue;
      const tol = this.config.plateauTolerance * Math.max(1, Math.abs(bestSoFar ?? 0));
      if (bestSoFar === null || (this.config.maximize ? h.best > bestSoFar + tol : h.best < bestSoFar - tol)) {
        bestSoFar = h.best;
        lastImprovement = h.generation;
      }
    }
    return history[history.length - 1]!.generation - lastImprovement >= n;
  }

  /** Best successful evaluation so far; equal fitness is broken by genome key, not by order. */
  bestSoFar(): { genome: Genome; fitness: number } | null {
    let best: { key: string; fitness: number } | null = null;
    for (const [key, r] of this.memo) {
      if (!r.ok) continue;
      if (!best || this.better(r.fitness, best.fitness) || (r.fitness === best.fitness && key < best.key)) {
        best = { key, fitness: r.fitness };
      }
    }
    if (!best) return null;
    const sorted = Object.fromEntries(JSON.parse(best.key) as [string, never][]) as Genome;
    // back in ranges order, which is the order users wrote their genome in
    const genome: Genome = {};
    for (const k of Object.keys(this.ranges)) genome[k] = sorted[k]!;
    return { genome, fitness: best.fitness };
  }
}
