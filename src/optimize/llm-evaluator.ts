import { z } from 'zod';
import { AppError } from '../errors.js';
import type { ModelAPI } from '../models/types.js';
import { loadPrompt, toMessages } from '../prompting/index.js';
import { mapLimit } from '../util/map-limit.js';
import type { Evaluator, FitnessResult, Genome, ParameterRanges } from './types.js';

/** The structured answer the judging model gives for one configuration. */
export const FitnessJudgementSchema = z.object({
  score: z.number().min(0).max(1),
  rationale: z.string(),
});

/** Settings of the LLM judge. */
export interface LLMFitnessOptions {
  evaluationCriteria: string | string[];
  optimizationGoal: string;
  ranges: ParameterRanges;
  concurrency?: number;
  /** Alias or model id to judge with; default = routing for OPTIMIZATION. */
  model?: string;
  signal?: AbortSignal;
  onResult?: (r: FitnessResult, genome: Genome) => void;
}

// Errors that no other genome would escape either: stop the run instead of failing every genome.
const FATAL = new Set([
  'PRIVACY_REFUSED',
  'NO_MODEL_AVAILABLE',
  'MODEL_NOT_FOUND',
  'PROVIDER_UNREACHABLE',
  'ABORTED',
  'CIRCUIT_OPEN',
  'CONFIG_INVALID',
]);

function describeRange(k: string, r: ParameterRanges[string]): string {
  if (r.type === 'int' || r.type === 'float') return `- ${k}: ${r.type} from ${r.min} to ${r.max}`;
  if (r.type === 'bool') return `- ${k}: true or false`;
  return `- ${k}: one of ${r.values.map((v) => JSON.stringify(v)).join(', ')}`;
}

/**
 * Fitness judged by a local model through the model API: the model scores a genome against the
 * criteria and goal with a structured `{score, rationale}`. The prompt is a pure function of the
 * genome, so the API's response cache makes a re-run (or a resumed run) ask nothing twice.
 */
export class LocalLLMFitnessEvaluator {
  constructor(
    private readonly api: ModelAPI,
    private readonly o: LLMFitnessOptions,
  ) {}

  /** The rendered prompt for one genome (exposed for tests and `--debug`). */
  prompt(genome: Genome) {
    const criteria = Array.isArray(this.o.evaluationCriteria) ? this.o.evaluationCriteria : [this.o.evaluationCriteria];
    return loadPrompt('optimize-fitness', {
      goal: this.o.optimizationGoal,
      criteria: criteria.map((c) => `- ${c}`).join('\n'),
      ranges: Object.entries(this.o.ranges)
        .map(([k, r]) => describeRange(k, r))
        .join('\n'),
      genome: JSON.stringify(genome, null, 2),
    });
  }

  /** Scores one genome; a bad answer or a failed call is a failed evaluation with its reason. */
  async evaluate(genome: Genome): Promise<FitnessResult> {
    const p = this.prompt(genome);
    const started = Date.now();
    try {
      const a = await this.api.generateObject(
        {
          type: 'OPTIMIZATION',
          messages: toMessages(p),
          promptId: p.id,
          component: 'optimize',
          temperature: 0,
          ...(this.o.model ? { model: this.o.model } : {}),
          ...(this.o.signal ? { signal: this.o.signal } : {}),
        },
        FitnessJudgementSchema,
      );
      return {
        ok: true,
        fitness: a.value.score,
        details: { rationale: a.value.rationale, model: a.model.alias, cached: a.cached },
        durationMs: Date.now() - started,
      };
    } catch (e) {
      if (e instanceof AppError && FATAL.has(e.code)) throw e;
      return { ok: false, error: `judge failed: ${(e as Error).message}`, durationMs: Date.now() - started };
    }
  }

  /** This judge as an engine evaluator, at most `concurrency` calls at once. */
  evaluator(): Evaluator {
    return (genomes, onEach) =>
      mapLimit(genomes, this.o.concurrency ?? 2, async (g, i) => {
        const r = await this.evaluate(g);
        onEach?.(i, r);
        this.o.onResult?.(r, g);
        return r;
      });
  }
}
