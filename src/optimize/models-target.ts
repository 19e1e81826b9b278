import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { writeConfig } from '../config/load.js';
import { buildAliasEntry, roleConfigFor } from '../models/config-manager.js';
import type { ResolvedConfig, RoleConfig } from '../config/schema.js';
import type { ModelAPI, ModelRef } from '../models/types.js';
import { loadPrompt, toMessages } from '../prompting/index.js';
import { mapLimit } from '../util/map-limit.js';
import type { Evaluator, FitnessResult, Genome } from './types.js';

/** One request of the validation workload, with the only answer that counts as valid. */
export interface ValidationItem {
  id: string;
  question: string;
  schema: z.ZodType<unknown>;
  expected: unknown;
}

/** A small fixed workload: structured requests whose correct answers are known. */
export const VALIDATION_WORKLOAD: readonly ValidationItem[] = [
  {
    id: 'sum',
    question: 'What is 17 + 25? Reply as {"answer": <number>}.',
    schema: z.object({ answer: z.number() }),
    expected: { answer: 42 },
  },
  {
    id: 'priority',
    question:
      'Classify the priority of this task as low, medium or high: "Production database is down for every user; fix immediately." Reply as {"priority": "low"|"medium"|"high"}.',
    schema: z.object({ priority: z.enum(['low', 'medium', 'high']) }),
    expected: { priority: 'high' },
  },
  {
    id: 'dependencies',
    question:
      'Task 5 reads: "Depends on tasks 3 and 2." Reply with the ids it depends on, ascending, as {"dependencies": [<numbers>]}.',
    schema: z.object({ dependencies: z.array(z.number().int()) }),
    expected: { dependencies: [2, 3] },
  },
  {
    id: 'filename',
    question: 'Is "tasks.json" the name of a JSON file? Reply as {"answer": true|false}.',
    schema: z.object({ answer: z.boolean() }),
    expected: { answer: true },
  },
];

/** Genome keys of `--target models`. */
export const MODEL_GENOME_KEYS = ['main_model', 'research_model', 'temperature', 'num_ctx', 'concurrency'] as const;

/** The raw spec `--target models` optimizes: a model per role among `models`, temperature, num_ctx, concurrency. */
export function modelsSpec(
  models: readonly ModelRef[],
  current: { main?: string; research?: string } = {},
): Record<string, unknown> {
  const aliases = models.map((m) => m.alias);
  const pick = (a?: string) => (a && aliases.includes(a) ? a : aliases[0]!);
  return {
    genome: {
      main_model: pick(current.main),
      research_model: pick(current.research),
      temperature: 0.2,
      num_ctx: 4096,
      concurrency: 2,
    },
    ranges: {
      main_model: { type: 'choice', values: aliases },
      research_model: { type: 'choice', values: aliases },
      temperature: { type: 'float', min: 0, max: 1 },
      num_ctx: { type: 'choice', values: [2048, 4096, 8192, 16384] },
      concurrency: { type: 'int', min: 1, max: 8 },
    },
    population_size: 8,
    max_generations: 6,
    elitism: 1,
    tournament_size: 2,
    mutation_rate: 0.3,
    plateau_generations: 3,
    seed: 42,
  };
}

/** Options of the models evaluator. */
export interface ModelsEvaluatorOptions {
  models: readonly ModelRef[];
  /** A model API that applies this genome's num_ctx and concurrency to `ref`. */
  apiFor: (genome: Genome, ref: ModelRef) => ModelAPI;
  /** Wall time of the whole workload at which speed scores 0.5 (default 2000 ms). */
  referenceMs?: number;
  onResult?: (r: FitnessResult, g: Genome) => void;
  signal?: AbortSignal;
}

/** Runs the workload on one model: share of correct answers and wall time (also `improve --probe`'s measurement). */
export async function runWorkload(api: ModelAPI, ref: ModelRef, genome: Genome, signal?: AbortSignal) {
  const p = (q: string) => loadPrompt('optimize-validation', { question: q });
  const started = Date.now();
  const outcomes = await mapLimit(VALIDATION_WORKLOAD, Number(genome.concurrency), async (item) => {
    const prompt = p(item.question);
    try {
      const a = await api.generateObject(
        {
          type: 'GENERAL',
          messages: toMessages(prompt),
          promptId: prompt.id,
          component: 'optimize',
          model: ref.alias,
          strictModel: true,
          noCache: true,
          temperature: Number(genome.temperature),
          ...(signal ? { signal } : {}),
        },
        item.schema,
      );
      return isDeepStrictEqual(a.value, item.expected) ? 'valid' : 'wrong';
    } catch (e) {
      if (e instanceof AppError && (e.code === 'PRIVACY_REFUSED' || e.code === 'ABORTED')) throw e;
      return 'error';
    }
  });
  return {
    validity: outcomes.filter((o) => o === 'valid').length / outcomes.length,
    wallMs: Date.now() - started,
    outcomes,
  };
}

/**
 * Fitness of a models genome in [0, 1]: for each role's model, validity (share of exact answers) x speed
 * (1 / (1 + wall time / reference)); the roles' scores are averaged. Measured, so not memoised across runs.
 */
export function modelsEvaluator(o: ModelsEvaluatorOptions): Evaluator {
  const refMs = o.referenceMs ?? 2000;
  // one genome at a time: concurrent genomes would slow each other and blur the speed measurement
  return (genomes, onEach) =>
    mapLimit(genomes, 1, async (g, i) => {
      const started = Date.now();
      const details: Record<string, unknown> = {};
      const scores: number[] = [];
      for (const alias of [g.main_model, g.research_model]) {
        const ref = o.models.find((m) => m.alias === alias);
        if (!ref) {
          const r: FitnessResult = { ok: false, error: `model ${String(alias)} is not available any more` };
          onEach?.(i, r);
          o.onResult?.(r, g);
          return r;
        }
        const w =
          (details[ref.alias] as { validity: number; wallMs: number } | undefined) ??
          (await runWorkload(o.apiFor(g, ref), ref, g, o.signal));
        details[ref.alias] = w;
        scores.push(w.validity * (1 / (1 + w.wallMs / refMs)));
      }
      const r: FitnessResult = {
        ok: true,
        fitness: scores.reduce((a, b) => a + b, 0) / scores.length,
        details,
        durationMs: Date.now() - started,
      };
      onEach?.(i, r);
      o.onResult?.(r, g);
      return r;
    });
}

/** The config a genome runs under: its num_ctx as the model's context length, its concurrency per server. */
export function configForGenome(config: ResolvedConfig, genome: Genome, ref: ModelRef): ResolvedConfig {
  const entry = {
    provider: ref.provider,
    model: ref.model,
    ...(ref.endpoint ? { endpoint: ref.endpoint } : {}),
    contextLength: Number(genome.num_ctx),
  };
  return {
    ...config,
    local: {
      ...config.local,
      concurrency: Number(genome.concurrency),
      registry: { ...config.local.registry, [ref.alias]: entry },
    },
  };
}

/**
 * Writes the best models genome into config.json in one validated atomic write: the main and research
 * roles (in task-master's format, via the config manager's builders) with the temperature, a registry
 * alias per chosen model carrying num_ctx as its context length, and local.concurrency.
 */
export function applyModelsGenome(
  config: ResolvedConfig,
  genome: Genome,
  models: readonly ModelRef[],
): Record<string, RoleConfig> {
  const refOf = (alias: unknown) => {
    const r = models.find((m) => m.alias === alias);
    if (!r)
      throw new AppError('MODEL_NOT_FOUND', `model ${String(alias)} is not available any more`, {
        hint: 'rerun `optimize --target models`',
      });
    return r;
  };
  const chosen = { main: refOf(genome.main_model), research: refOf(genome.research_model) };
  const written: Record<string, RoleConfig> = {};
  writeConfig(config.configPath, (cur) => {
    const modelsSection = { ...((cur.models ?? {}) as Record<string, RoleConfig>) };
    for (const [role, ref] of Object.entries(chosen)) {
      modelsSection[role] = { ...roleConfigFor(ref, modelsSection[role]), temperature: Number(genome.temperature) };
      written[role] = modelsSection[role];
    }
    const local = { ...((cur.local ?? {}) as Record<string, unknown>) };
    const registry = { ...((local.registry ?? {}) as Record<string, unknown>) };
    for (const ref of new Set(Object.values(chosen))) {
      registry[ref.alias] = buildAliasEntry(
        ref.alias,
        {
          provider: ref.provider,
          model: ref.model,
          ...(ref.endpoint ? { endpoint: ref.endpoint } : {}),
          contextLength: Number(genome.num_ctx),
        },
        config.local.trustedHosts,
      );
    }
    return { ...cur, models: modelsSection, local: { ...local, registry, concurrency: Number(genome.concurrency) } };
  });
  return written;
}

/** Builds, per genome and model, a model API whose config carries the genome's num_ctx and concurrency. */
export async function genomeApiFactory(
  config: ResolvedConfig,
  db: import('../storage/db.js').DB | undefined,
  env: NodeJS.ProcessEnv,
) {
  const { UnifiedModelAPI } = await import('../models/unified-model-api.js');
  return (genome: Genome, ref: ModelRef): ModelAPI =>
    new UnifiedModelAPI({ config: configForGenome(config, genome, ref), ...(db ? { db } : {}), env });
}
