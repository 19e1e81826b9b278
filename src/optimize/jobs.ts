import { dirname, resolve } from 'node:path';
import { AppError, ValidationError } from '../errors.js';
import type { ResolvedConfig } from '../config/schema.js';
import type { ModelCatalog } from '../models/catalog.js';
import type { ModelAPI } from '../models/types.js';
import type { DB } from '../storage/db.js';
import { buildEvaluator } from './evaluators.js';
import { genomeApiFactory, modelsEvaluator, modelsSpec } from './models-target.js';
import { storedRun, type EvaluatorDescription } from './run.js';
import { checkRunSize, readSpecFile, validateSpec, validateSpecAt, type OptimizeSpec } from './spec.js';
import type { Evaluator, FitnessResult, Genome } from './types.js';

/** Flag overrides of a spec. */
export interface JobOverrides {
  seed?: number;
  population?: number;
  generations?: number;
  fitnessCommand?: string;
  timeoutMs?: number;
  concurrency?: number;
  /** Directory a --fitness-command runs in (where the user typed it). */
  cwd: string;
  /** Run even above the size limits (RUN_LIMITS). */
  force?: boolean;
}

/** A run ready to start: the raw spec to store, the validated spec, and the evaluator to build. */
export interface Job {
  raw: Record<string, unknown>;
  spec: OptimizeSpec;
  desc: EvaluatorDescription;
  target: string;
  resumeId?: string;
}

function override(raw: Record<string, unknown>, o: JobOverrides): Record<string, unknown> {
  const out = { ...raw };
  if (o.seed !== undefined) out.seed = o.seed;
  if (o.population !== undefined) out.population_size = o.population;
  if (o.generations !== undefined) out.max_generations = o.generations;
  return out;
}

/** A job from a spec file and flags; the spec's own command runs in the spec's directory. */
export function jobFromSpecFile(path: string, o: JobOverrides): Job {
  return jobFromSpec(readSpecFile(path), path, dirname(resolve(o.cwd, path)), o);
}

/** A job from a spec object (a file's content, or a library caller's), named `source` in messages. */
export function jobFromSpec(read: unknown, path: string, specDir: string, o: JobOverrides): Job {
  if (typeof read !== 'object' || read === null || Array.isArray(read)) validateSpecAt(path, read);
  const raw = override(read as Record<string, unknown>, o);
  const spec = validateSpecAt(path, raw);
  checkRunSize(spec, { force: o.force, source: path });
  let desc: EvaluatorDescription;
  if (o.fitnessCommand) {
    desc = {
      type: 'command',
      command: o.fitnessCommand,
      cwd: o.cwd,
      timeout_ms: o.timeoutMs ?? 60_000,
      concurrency: o.concurrency ?? 4,
    };
  } else if (spec.evaluator?.type === 'command') {
    desc = {
      ...spec.evaluator,
      cwd: specDir,
      concurrency: o.concurrency ?? spec.evaluator.concurrency ?? 4,
    };
  } else if (spec.evaluator?.type === 'llm') {
    desc = { ...spec.evaluator, concurrency: o.concurrency ?? spec.evaluator.concurrency ?? 2 };
  } else {
    throw new ValidationError(`${path}: no fitness evaluator`, {
      hint: 'pass --fitness-command <cmd>, or give the spec an evaluator (command) or evaluation_criteria + optimization_goal',
    });
  }
  return { raw, spec, desc, target: desc.type };
}

/** What an evaluator may need: the model API (built on first use), the catalog, config, database and env. */
export interface EvaluatorResources {
  api: () => ModelAPI;
  catalog: ModelCatalog;
  config: ResolvedConfig;
  db: DB;
  env: NodeJS.ProcessEnv;
  /** The evaluator of a `--target prompts` run (the application builds it from the project's dataset). */
  prompts?: (
    desc: EvaluatorDescription,
    onResult: (r: FitnessResult, g: Genome) => void,
    signal?: AbortSignal,
  ) => Evaluator;
}

/** A job continuing a stored run. */
export function jobFromRun(db: DB, runId: string): Job {
  const s = storedRun(db, runId);
  return {
    raw: (JSON.parse(s.run.spec) as { raw: Record<string, unknown> }).raw,
    spec: s.spec,
    desc: s.evaluator,
    target: s.run.target,
    resumeId: runId,
  };
}

/** Chat models the models target may choose among; none is a clear error. */
export async function chatModelsOf(catalog: ModelCatalog) {
  const models = await catalog.chatModels();
  if (models.length === 0) {
    throw new AppError('NO_MODEL_AVAILABLE', 'no chat model found on the configured servers', {
      hint: 'start Ollama / LM Studio / LocalAI (or set OLLAMA_HOST), then run `task-master-local models` to check',
    });
  }
  return models;
}

/** A job tuning this tool's own model settings among the discovered chat models. */
export async function jobForModels(catalog: ModelCatalog, o: JobOverrides): Promise<Job> {
  const models = await chatModelsOf(catalog);
  const roles = await catalog.effectiveRoles();
  const current = { main: roles.main?.ref?.alias, research: roles.research?.ref?.alias };
  const raw = override(modelsSpec(models, current), o);
  const spec = validateSpec(raw);
  checkRunSize(spec, { force: o.force });
  return { raw, spec, desc: { type: 'models', reference_ms: 2000 }, target: 'models' };
}

/** The evaluator of a job, wired to the model API where it needs one. */
export async function evaluatorFor(
  job: Job,
  res: EvaluatorResources,
  onResult: (r: FitnessResult, g: Genome) => void,
  signal?: AbortSignal,
): Promise<Evaluator> {
  return buildEvaluator(job.desc, job.spec, {
    onResult,
    ...(signal ? { signal } : {}),
    api: res.api,
    ...(res.prompts ? { prompts: () => res.prompts!(job.desc, onResult, signal) } : {}),
    models: async () =>
      modelsEvaluator({
        models: await chatModelsOf(res.catalog),
        apiFor: await genomeApiFactory(res.config, res.db, res.env),
        referenceMs: Number(job.desc.reference_ms ?? 2000),
        onResult,
        ...(signal ? { signal } : {}),
      }),
  });
}
