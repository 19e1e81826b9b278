import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { readTextFile } from '../util/fs.js';
import {
  DEFAULT_EVOLUTION,
  type EvolutionConfig,
  type Genome,
  type ParamRange,
  type ParameterRanges,
} from './types.js';

const Gene = z.union([z.number(), z.boolean(), z.string()]);

const CommandEvaluatorSchema = z.object({
  type: z.literal('command'),
  command: z.string().min(1),
  timeout_ms: z.number().int().positive().optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
});
const LlmEvaluatorSchema = z.object({
  type: z.literal('llm'),
  evaluation_criteria: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  optimization_goal: z.string().min(1),
  concurrency: z.number().int().min(1).max(64).optional(),
});

const SpecSchema = z.object({
  genome: z.record(z.string(), Gene).default({}),
  /** Genomes placed in the first generation after the template (each gives every range a value). */
  initial_genomes: z.array(z.record(z.string(), Gene)).optional(),
  ranges: z.record(z.string(), z.unknown()),
  population_size: z.number().int().min(2, 'must be at least 2').default(DEFAULT_EVOLUTION.populationSize),
  max_generations: z.number().int().min(1).default(DEFAULT_EVOLUTION.maxGenerations),
  mutation_rate: z.number().min(0).max(1).default(DEFAULT_EVOLUTION.mutationRate),
  crossover_rate: z.number().min(0).max(1).default(DEFAULT_EVOLUTION.crossoverRate),
  elitism: z.number().int().min(0).default(DEFAULT_EVOLUTION.elitism),
  tournament_size: z.number().int().min(1).default(DEFAULT_EVOLUTION.tournamentSize),
  seed: z.number().int().default(DEFAULT_EVOLUTION.seed),
  maximize: z.boolean().default(true),
  plateau_generations: z.number().int().min(0).default(DEFAULT_EVOLUTION.plateauGenerations),
  mutation_sigma: z.number().positive().max(1).default(DEFAULT_EVOLUTION.mutationSigma),
  crossover: z.enum(['uniform', 'blend']).default(DEFAULT_EVOLUTION.crossover),
  evaluator: z.discriminatedUnion('type', [CommandEvaluatorSchema, LlmEvaluatorSchema]).optional(),
  /** Shorthand for an llm evaluator at the top level, as task-master's own specs write it. */
  evaluation_criteria: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  optimization_goal: z.string().min(1).optional(),
});

/** Which evaluator a spec asks for. */
export type EvaluatorSpec = z.infer<typeof CommandEvaluatorSchema> | z.infer<typeof LlmEvaluatorSchema>;

/** A validated spec: the template genome, its ranges, the search settings and an optional evaluator. */
export interface OptimizeSpec {
  genome: Genome;
  /** Genomes of the first generation besides the template. */
  initial?: Genome[];
  ranges: ParameterRanges;
  evolution: EvolutionConfig;
  evaluator?: EvaluatorSpec;
}

const HINT = 'ranges take {type: "int"|"float", min, max}, {type: "bool"} or {type: "choice", values: [...]}';

function fail(field: string, message: string, hint = HINT): never {
  throw new ValidationError(`${field}: ${message}`, { hint, details: { field } });
}

function parseRange(key: string, raw: unknown): ParamRange {
  const f = `ranges.${key}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(f, 'must be an object with a type');
  const r = raw as Record<string, unknown>;
  const type = r.type;
  if (type === 'int' || type === 'float') {
    if (typeof r.min !== 'number' || !Number.isFinite(r.min)) fail(`${f}.min`, 'must be a number');
    if (typeof r.max !== 'number' || !Number.isFinite(r.max)) fail(`${f}.max`, 'must be a number');
    const min = r.min as number;
    const max = r.max as number;
    if (min > max) fail(f, `inverted range: min ${min} is greater than max ${max}`, 'swap min and max');
    if (type === 'int' && Math.ceil(min) > Math.floor(max))
      fail(f, `empty range: no integer between ${min} and ${max}`);
    return { type, min, max };
  }
  if (type === 'bool') return { type };
  if (type === 'choice') {
    const v = z.array(Gene).safeParse(r.values);
    if (!v.success) fail(`${f}.values`, 'must be a list of numbers, strings or booleans');
    if (v.data.length === 0) fail(`${f}.values`, 'empty range: a choice needs at least one value');
    return { type, values: [...new Set(v.data)] };
  }
  return fail(`${f}.type`, `unknown type ${JSON.stringify(type)} (expected int, float, bool or choice)`);
}

function checkGene(key: string, r: ParamRange, v: unknown): void {
  const f = `genome.${key}`;
  const bad = (why: string) => fail(f, why, `give a value inside ranges.${key}, or leave ${key} out of genome`);
  if (r.type === 'int' && (typeof v !== 'number' || !Number.isInteger(v)))
    bad(`must be an integer, got ${JSON.stringify(v)}`);
  if (r.type === 'float' && typeof v !== 'number') bad(`must be a number, got ${JSON.stringify(v)}`);
  if ((r.type === 'int' || r.type === 'float') && ((v as number) < r.min || (v as number) > r.max)) {
    bad(`${v} is outside its range ${r.min}–${r.max}`);
  }
  if (r.type === 'bool' && typeof v !== 'boolean') bad(`must be true or false, got ${JSON.stringify(v)}`);
  if (r.type === 'choice' && !r.values.includes(v as never))
    bad(`${JSON.stringify(v)} is not one of ${JSON.stringify(r.values)}`);
}

/** Validates a parsed spec object; every error names the field or genome key at fault. */
export function validateSpec(raw: unknown): OptimizeSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('(spec)', 'must be an object with genome and ranges');
  const p = SpecSchema.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0]!;
    fail(i.path.map(String).join('.') || '(spec)', i.message, 'see docs/optimize.md for the spec format');
  }
  const s = p.data;
  const ranges: ParameterRanges = {};
  for (const [k, r] of Object.entries(s.ranges)) ranges[k] = parseRange(k, r);
  for (const k of Object.keys(s.genome)) {
    if (!ranges[k])
      fail(
        `genome.${k}`,
        'has no range in ranges',
        `add ranges.${k} (e.g. {"type": "int", "min": 1, "max": 10}) or remove it from genome`,
      );
  }
  if (Object.keys(ranges).length === 0) fail('ranges', 'no parameters to optimize', 'add at least one range');
  // the template covers every range; keys it leaves out take the middle of their range
  const genome: Genome = {};
  for (const [k, r] of Object.entries(ranges)) {
    if (k in s.genome) {
      checkGene(k, r, s.genome[k]);
      genome[k] = s.genome[k]!;
    } else if (Object.keys(s.genome).length > 0) {
      genome[k] =
        r.type === 'bool'
          ? false
          : r.type === 'choice'
            ? r.values[0]!
            : r.type === 'int'
              ? Math.round((r.min + r.max) / 2)
              : (r.min + r.max) / 2;
    }
  }
  const initial = s.initial_genomes?.map((g, i) => {
    const out: Genome = {};
    for (const [k, r] of Object.entries(ranges)) {
      if (!(k in g)) fail(`initial_genomes.${i}.${k}`, 'is missing', 'give every range a value');
      checkGene(k, r, g[k]);
      out[k] = g[k]!;
    }
    return out;
  });
  if (s.elitism >= s.population_size)
    fail('elitism', `must be smaller than population_size (${s.population_size})`, 'lower elitism');
  if (s.tournament_size > s.population_size)
    fail('tournament_size', `must not exceed population_size (${s.population_size})`, 'lower tournament_size');
  let evaluator: EvaluatorSpec | undefined = s.evaluator;
  if (!evaluator && (s.evaluation_criteria || s.optimization_goal)) {
    if (!s.evaluation_criteria)
      fail('evaluation_criteria', 'is required with optimization_goal', 'list what a good configuration does');
    if (!s.optimization_goal)
      fail('optimization_goal', 'is required with evaluation_criteria', 'say what to optimize for');
    evaluator = { type: 'llm', evaluation_criteria: s.evaluation_criteria!, optimization_goal: s.optimization_goal! };
  }
  return {
    genome,
    ...(initial?.length ? { initial } : {}),
    ranges,
    evolution: {
      ...DEFAULT_EVOLUTION,
      populationSize: s.population_size,
      maxGenerations: s.max_generations,
      mutationRate: s.mutation_rate,
      crossoverRate: s.crossover_rate,
      elitism: s.elitism,
      tournamentSize: s.tournament_size,
      seed: s.seed,
      maximize: s.maximize,
      plateauGenerations: s.plateau_generations,
      mutationSigma: s.mutation_sigma,
      crossover: s.crossover,
    },
    evaluator,
  };
}

/**
 * Sizes above which a run takes hours (or allocates gigabytes before its first evaluation): a
 * population of 100,000,000 spent 40 minutes building generation 0 with no output. `--force`
 * lifts them for whoever means it.
 */
export const RUN_LIMITS = { population: 1_000, generations: 1_000, evaluations: 20_000 } as const;

/** Refuses a new run whose size is above RUN_LIMITS unless forced; every error names the setting. */
export function checkRunSize(spec: OptimizeSpec, opts: { force?: boolean; source?: string } = {}): void {
  if (opts.force) return;
  const { populationSize: pop, maxGenerations: gens } = spec.evolution;
  const at = opts.source ? `${opts.source}: ` : '';
  const hint = (what: string) => `lower ${what}, or pass --force to run it anyway`;
  const n = (v: number) => v.toLocaleString('en-US');
  if (pop > RUN_LIMITS.population)
    throw new ValidationError(
      `${at}population_size ${n(pop)} is above the limit of ${n(RUN_LIMITS.population)} (a run that size takes hours)`,
      {
        hint: hint('population_size (--population)'),
        details: { field: 'population_size', limit: RUN_LIMITS.population },
      },
    );
  if (gens > RUN_LIMITS.generations)
    throw new ValidationError(
      `${at}max_generations ${n(gens)} is above the limit of ${n(RUN_LIMITS.generations)} (a run that long takes hours)`,
      {
        hint: hint('max_generations (--generations)'),
        details: { field: 'max_generations', limit: RUN_LIMITS.generations },
      },
    );
  if (pop * gens > RUN_LIMITS.evaluations)
    throw new ValidationError(
      `${at}population_size × max_generations = ${n(pop * gens)} evaluations, above the limit of ${n(RUN_LIMITS.evaluations)} (hours of fitness runs)`,
      {
        hint: hint('the population or the generations'),
        details: { field: 'population_size', limit: RUN_LIMITS.evaluations },
      },
    );
}

/** Reads a JSON or YAML spec file (by extension; YAML also parses JSON) and validates it. */
export function loadSpec(path: string): OptimizeSpec {
  return validateSpecAt(path, readSpecFile(path));
}

/** Validates a spec read from `path`, prefixing errors with the path. */
export function validateSpecAt(path: string, raw: unknown): OptimizeSpec {
  try {
    return validateSpec(raw);
  } catch (e) {
    if (e instanceof ValidationError)
      throw new ValidationError(`${path}: ${e.message}`, { hint: e.hint, details: e.details });
    throw e;
  }
}

/** Parses a spec file without validating it (callers may apply flag overrides first). */
export function readSpecFile(path: string): unknown {
  const text = readTextFile(path);
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ValidationError(`${path}: ${(e as Error).message.split('\n')[0]}`, {
      hint: 'fix the syntax of the spec file',
    });
  }
  return raw;
}
