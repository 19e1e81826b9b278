import { ValidationError } from '../errors.js';
import type { ModelAPI } from '../models/types.js';
import { commandEvaluator } from './command-evaluator.js';
import { LocalLLMFitnessEvaluator } from './llm-evaluator.js';
import type { EvaluatorDescription } from './run.js';
import type { OptimizeSpec } from './spec.js';
import type { Evaluator, FitnessResult, Genome } from './types.js';

/** What building an evaluator may need; each piece is only asked for by the evaluator that uses it. */
export interface EvaluatorDeps {
  api?: () => Promise<ModelAPI> | ModelAPI;
  /** For `--target models`: the evaluator, built by the caller from the discovered models. */
  models?: () => Promise<Evaluator> | Evaluator;
  /** For `--target prompts`: the evaluator, built by the caller from the project's dataset. */
  prompts?: () => Promise<Evaluator> | Evaluator;
  onResult?: (r: FitnessResult, g: Genome) => void;
  /** Stops evaluations in flight (commands killed, model calls cancelled). */
  signal?: AbortSignal;
}

/**
 * The evaluator a spec (or a stored run) describes. Stored descriptions carry everything needed to
 * rebuild it on `--resume`: the command and the directory it runs in, or the judge's criteria.
 */
export async function buildEvaluator(
  desc: EvaluatorDescription,
  spec: OptimizeSpec,
  deps: EvaluatorDeps,
): Promise<Evaluator> {
  if (desc.type === 'command') {
    return commandEvaluator({
      command: String(desc.command),
      cwd: String(desc.cwd),
      timeoutMs: Number(desc.timeout_ms ?? 60_000),
      concurrency: Number(desc.concurrency ?? 4),
      ...(deps.onResult ? { onResult: deps.onResult } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  }
  if (desc.type === 'llm') {
    if (!deps.api) throw new ValidationError('the llm evaluator needs the model API');
    const judge = new LocalLLMFitnessEvaluator(await deps.api(), {
      evaluationCriteria: desc.evaluation_criteria as string | string[],
      optimizationGoal: String(desc.optimization_goal),
      ranges: spec.ranges,
      concurrency: Number(desc.concurrency ?? 2),
      ...(typeof desc.model === 'string' ? { model: desc.model } : {}),
      ...(deps.onResult ? { onResult: deps.onResult } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    return judge.evaluator();
  }
  if (desc.type === 'models') {
    if (!deps.models) throw new ValidationError('the models evaluator needs the model servers');
    return deps.models();
  }
  if (desc.type === 'prompts') {
    if (!deps.prompts) throw new ValidationError("the prompts evaluator needs the project's dataset");
    return deps.prompts();
  }
  throw new ValidationError(`unknown evaluator type ${JSON.stringify(desc.type)}`, {
    hint: 'use --fitness-command <cmd>, an evaluator in the spec, or --target models',
  });
}
