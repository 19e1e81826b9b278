/** A parameter range: what values one genome key may take. */
export type ParamRange =
  | { type: 'int'; min: number; max: number }
  | { type: 'float'; min: number; max: number }
  | { type: 'bool' }
  | { type: 'choice'; values: readonly GeneValue[] };

/** One gene value. */
export type GeneValue = number | boolean | string;

/** A configuration being optimized: one value per parameter. */
export type Genome = Record<string, GeneValue>;

/** Parameter ranges by genome key. */
export type ParameterRanges = Record<string, ParamRange>;

/** The outcome of evaluating one genome; a failure carries its reason and never a fitness. */
export type FitnessResult =
  | { ok: true; fitness: number; details?: Record<string, unknown>; durationMs?: number }
  | { ok: false; error: string; details?: Record<string, unknown>; durationMs?: number };

/**
 * Evaluates a batch of genomes (concurrency is the evaluator's business); one result per genome, in order.
 * `onEach`, when the evaluator supports it, hears each result as it ends so it can be stored at once.
 */
export type Evaluator = (
  genomes: Genome[],
  onEach?: (index: number, result: FitnessResult) => void,
) => Promise<FitnessResult[]>;

/** Settings of the evolutionary search. */
export interface EvolutionConfig {
  populationSize: number;
  maxGenerations: number;
  /** Per-gene probability of mutation. */
  mutationRate: number;
  /** Probability that a child is bred by crossover rather than copied from one parent. */
  crossoverRate: number;
  /** Best individuals copied unchanged into the next generation. */
  elitism: number;
  tournamentSize: number;
  seed: number;
  /** Larger fitness is better unless false. */
  maximize: boolean;
  /** Stop after this many generations without improvement (0 = never stop early). */
  plateauGenerations: number;
  /** Relative improvement below which a generation counts as no improvement. */
  plateauTolerance: number;
  /** Gaussian mutation step as a fraction of the range width. */
  mutationSigma: number;
  /** 'uniform' takes each gene from a parent; 'blend' mixes numeric genes (BLX-alpha). */
  crossover: 'uniform' | 'blend';
}

/** Defaults used when a spec leaves a setting out. */
export const DEFAULT_EVOLUTION: EvolutionConfig = {
  populationSize: 20,
  maxGenerations: 30,
  mutationRate: 0.2,
  crossoverRate: 0.8,
  elitism: 2,
  tournamentSize: 3,
  seed: 42,
  maximize: true,
  plateauGenerations: 0,
  plateauTolerance: 1e-9,
  mutationSigma: 0.15,
  crossover: 'blend',
};

/** A genome with its evaluation, as placed in one generation. */
export interface Individual {
  genome: Genome;
  key: string;
  result: FitnessResult;
}

/** One finished generation. */
export interface GenerationRecord {
  generation: number;
  individuals: Individual[];
  /** Best and mean fitness over the individuals that did not fail (null when all failed). */
  best: number | null;
  mean: number | null;
  /** Fraction of distinct genomes in the population. */
  diversity: number;
  /** Distinct genomes evaluated so far in the whole run. */
  evaluations: number;
  /** Evaluations that failed so far in the whole run. */
  failures: number;
  /** Random immigrants injected when breeding this generation. */
  immigrants: number;
}

/** What a run returns. */
export interface OptimizationResult {
  best: { genome: Genome; fitness: number } | null;
  generations: { best: number | null; mean: number | null }[];
  evaluations: number;
  failures: number;
  stopReason: 'max_generations' | 'plateau';
}
