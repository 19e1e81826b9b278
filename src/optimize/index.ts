import { EvolutionaryOptimizer, type EngineHooks } from './engine.js';
import { validateSpec } from './spec.js';
import type {
  Evaluator,
  EvolutionConfig,
  FitnessResult,
  Genome,
  OptimizationResult,
  ParameterRanges,
} from './types.js';

export { EvolutionaryOptimizer, type EngineHooks, type ResumeState } from './engine.js';
export { LocalLLMFitnessEvaluator, FitnessJudgementSchema, type LLMFitnessOptions } from './llm-evaluator.js';
export { commandEvaluator, runFitnessCommand, type CommandFitnessOptions } from './command-evaluator.js';
export { loadSpec, validateSpec, type OptimizeSpec, type EvaluatorSpec } from './spec.js';
export { renderChart, type ChartPoint } from './chart.js';
export type * from './types.js';

/** Options of `optimize()`: a fitness (plain function or batch evaluator) and search settings. */
export interface OptimizeOptions {
  /** Fitness of one genome (a thrown error is a failed evaluation), or a batch evaluator. */
  fitness: ((genome: Genome) => number | Promise<number>) | { evaluator: Evaluator };
  config?: Partial<EvolutionConfig>;
  hooks?: EngineHooks;
}

/**
 * Optimizes `genomeTemplate` within `parameterRanges`: the template is validated as a spec would be
 * (errors name the key), seeds the first generation, and the best genome found is returned.
 */
export async function optimize(
  genomeTemplate: Genome,
  parameterRanges: ParameterRanges,
  opts: OptimizeOptions,
): Promise<OptimizationResult> {
  const spec = validateSpec({ genome: genomeTemplate, ranges: parameterRanges });
  const fitness = opts.fitness;
  const evaluator: Evaluator =
    'evaluator' in fitness
      ? fitness.evaluator
      : (gs) =>
          Promise.all(
            gs.map(async (g): Promise<FitnessResult> => {
              try {
                const v = await fitness(g);
                return Number.isFinite(v)
                  ? { ok: true, fitness: v }
                  : { ok: false, error: `fitness is not a finite number: ${v}` };
              } catch (e) {
                return { ok: false, error: (e as Error).message };
              }
            }),
          );
  const config = { ...spec.evolution, ...opts.config };
  const template = Object.keys(spec.genome).length > 0 ? spec.genome : undefined;
  return new EvolutionaryOptimizer(spec.ranges, config, evaluator, {
    ...(template ? { template } : {}),
    ...(opts.hooks ? { hooks: opts.hooks } : {}),
  }).run();
}
