/**
 * optimize --target prompts: the project's dataset (finetune export's split), the prompt's tuning set
 * and the main role's model, checked before a run starts; the evaluator (also for --resume); the
 * winner against the prompt in effect; and --apply, which writes the winner as a project prompt.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ValidationError } from '../errors.js';
import type { Example, SplitSpec } from '../finetune/types.js';
import { genomeKey } from '../optimize/genome.js';
import type { Job } from '../optimize/jobs.js';
import {
  composeVariant,
  promptsEvaluator,
  promptsSpec,
  tunableExamples,
  unreachable,
  variantHash,
} from '../optimize/prompt-target.js';
import type { EvaluatorDescription, OptimizeReport } from '../optimize/run.js';
import { checkRunSize, validateSpec } from '../optimize/spec.js';
import type { Evaluator, FitnessResult, Genome } from '../optimize/types.js';
import {
  applyProjectPrompts,
  checkProjectTemplate,
  listProjectPrompts,
  promptVersions,
  templateInEffect,
  tunablePromptNames,
  tuningSet,
  type TuningSet,
} from '../prompting/index.js';
import { OptimizeRepo } from '../storage/optimize-repo.js';
import { atomicWriteFile } from '../util/fs.js';
import { finetuneExportUseCase } from './finetune-export.js';
import type { Project } from './project.js';

/** The default prompt of `--target prompts`. */
export const DEFAULT_TUNED_PROMPT = 'parse-prd';
const DEFAULT_SPLIT: SplitSpec = { train: 80, valid: 10, test: 10 };
const DATA_SEED = 42;

/** Everything a prompts run scores with. */
interface TuningData {
  name: string;
  set: TuningSet;
  dataset: string;
  train: Example[];
  valid: Example[];
  /** The template in effect (wording 0), its id and version. */
  base: { id: string; version: number; template: string };
}

const splitText = (s: SplitSpec) => `${s.train},${s.valid},${s.test}`;

/** Reads the dataset and the tuning set; bad input (no history, no valid example, unknown prompt) throws before anything is written. */
function tuningData(project: Project, name: string, split: SplitSpec): TuningData {
  const set = tuningSet(name);
  if (!set)
    throw new ValidationError(`--prompt ${name}: not a prompt that can be tuned`, {
      hint: `prompts that can be tuned: ${tunablePromptNames().join(', ')}`,
    });
  let ds: ReturnType<typeof finetuneExportUseCase>;
  try {
    ds = finetuneExportUseCase(project, { dryRun: true, split, seed: DATA_SEED });
  } catch (e) {
    if (e instanceof AppError && e.code === 'NOT_FOUND')
      throw new AppError('NOT_FOUND', `nothing to tune ${name} on yet: the project has no history to score it with`, {
        hint: 'run `task-master-local parse-prd` first (then keep or edit its tasks); `task-master-local finetune export` shows what the history holds',
      });
    throw e;
  }
  const valid = tunableExamples(ds.dataset.examples.valid, name);
  if (!valid.length)
    throw new AppError(
      'NOT_FOUND',
      `no ${name} example in the valid split of dataset ${ds.id} (${ds.counts.examples} examples, ${ds.counts.valid} valid)`,
      {
        hint: `parse more PRDs first (see \`task-master-local finetune export --split ${splitText(split)}\`), or give the valid split a larger share with --split 60,40,0`,
      },
    );
  const version = valid[0]!.rendered!.version;
  return {
    name,
    set,
    dataset: ds.id,
    train: tunableExamples(ds.dataset.examples.train, name),
    valid,
    base: templateInEffect(name, version),
  };
}

/** The main role's model (prompts are tuned for the model that will read them); none is exit 4. */
async function tuningModel(project: Project): Promise<string> {
  const roles = await project.catalog().effectiveRoles();
  const ref = roles.main?.ref;
  if (!ref)
    throw new AppError('NO_MODEL_AVAILABLE', 'no chat model found on the configured servers to tune the prompt with', {
      hint: 'start Ollama / LM Studio / LocalAI (or set OLLAMA_HOST), then run `task-master-local models` to check',
    });
  return ref.alias;
}

/** Options of a new prompts run. */
export interface PromptJobOptions {
  prompt?: string;
  split?: SplitSpec;
  seed?: number;
  population?: number;
  generations?: number;
  concurrency?: number;
  force?: boolean;
}

/**
 * A prompts job, checked: tuning set, dataset, model, and the prompt in effect scored once (so a
 * server that is not there fails here, exit 4, before a run is stored; the run reuses the score).
 */
export async function promptJob(project: Project, o: PromptJobOptions, signal?: AbortSignal): Promise<Job> {
  const name = o.prompt ?? DEFAULT_TUNED_PROMPT;
  const split = o.split ?? DEFAULT_SPLIT;
  const data = tuningData(project, name, split);
  const model = await tuningModel(project);
  const raw = promptsSpec(data.set, data.train.length);
  if (o.seed !== undefined) raw.seed = o.seed;
  if (o.population !== undefined) raw.population_size = o.population;
  if (o.generations !== undefined) raw.max_generations = o.generations;
  const spec = validateSpec(raw);
  checkRunSize(spec, { force: o.force });
  const desc: EvaluatorDescription = {
    type: 'prompts',
    prompt: name,
    model,
    dataset: data.dataset,
    split: splitText(split),
    base: variantHash(data.base.template),
    concurrency: o.concurrency ?? 2,
  };
  const { score } = evaluatorOf(project, data, desc, signal);
  const baseline = await score(data.base.template);
  const down = unreachable(baseline.score, model);
  if (down) throw down;
  return { raw, spec, desc, target: 'prompts' };
}

const evaluators = new WeakMap<object, Map<string, ReturnType<typeof promptsEvaluator>>>();

/**
 * One evaluator per run (its signal, else the project) and description, so the baseline scored by
 * promptJob is not asked again when the run starts.
 */
function evaluatorOf(project: Project, data: TuningData, desc: EvaluatorDescription, signal: AbortSignal | undefined) {
  const key = JSON.stringify(desc);
  const owner = signal ?? project;
  let byDesc = evaluators.get(owner);
  if (!byDesc) evaluators.set(owner, (byDesc = new Map()));
  const known = byDesc.get(key);
  if (known) return known;
  const made = promptsEvaluator({
    api: project.api(),
    model: String(desc.model),
    name: data.name,
    base: data.base.template,
    set: data.set,
    train: data.train,
    valid: data.valid,
    concurrency: Number(desc.concurrency ?? 2),
    ...(signal ? { signal } : {}),
  });
  byDesc.set(key, made);
  return made;
}

/** The data of a stored run, refused when the history or the prompt in effect changed since it started. */
function storedData(project: Project, desc: EvaluatorDescription): TuningData {
  const split = String(desc.split).split(',').map(Number);
  const data = tuningData(project, String(desc.prompt), { train: split[0]!, valid: split[1]!, test: split[2]! });
  if (data.dataset !== desc.dataset)
    throw new ValidationError(
      `the project's history changed since this prompts run started (dataset ${String(desc.dataset)}, now ${data.dataset})`,
      { hint: 'start a new run with `task-master-local optimize --target prompts`' },
    );
  if (variantHash(data.base.template) !== desc.base)
    throw new ValidationError(
      `the prompt in effect for ${data.name} changed since this run started (now ${data.base.id})`,
      {
        hint: 'start a new run with `task-master-local optimize --target prompts`',
      },
    );
  return data;
}

/** The evaluator of a prompts run (new or resumed). */
export function promptsEvaluatorFor(
  project: Project,
  desc: EvaluatorDescription,
  onResult: (r: FitnessResult, g: Genome) => void,
  signal?: AbortSignal,
): Evaluator {
  const data = storedData(project, desc);
  const e = evaluatorOf(project, data, desc, signal);
  return (genomes, onEach) =>
    e.evaluator(genomes, (i, r) => {
      onResult(r, genomes[i]!);
      onEach?.(i, r);
    });
}

/** The winner of a prompts run against the prompt in effect. */
export interface PromptTuningOutcome {
  prompt: string;
  model: string;
  dataset: string;
  validExamples: number;
  current: { id: string; fitness: number | null };
  winner: { fitness: number; genome: Genome; variant: string; template: string; isCurrent: boolean } | null;
  /** The command that writes the winner as a project prompt. */
  applyCommand: string;
}

/** The outcome of a finished (or stopped) prompts run, read from its stored evaluations. */
export function promptOutcome(
  project: Project,
  desc: EvaluatorDescription,
  report: OptimizeReport,
): PromptTuningOutcome {
  const data = storedData(project, desc);
  const template: Genome = { wording: 0, shots: 0, shot_offset: 0, hint: 0 };
  const stored = new OptimizeRepo(project.db()).loadResume(report.run_id).evaluated.get(genomeKey(template));
  const best = report.best_individual;
  const winner = best ? composeVariant(data.base.template, data.set, best.genome, data.train) : undefined;
  return {
    prompt: data.name,
    model: String(desc.model),
    dataset: data.dataset,
    validExamples: data.valid.length,
    current: { id: data.base.id, fitness: stored?.ok ? stored.fitness : null },
    winner:
      best && winner !== undefined
        ? {
            fitness: best.fitness,
            genome: best.genome,
            variant: variantHash(winner),
            template: winner,
            isCurrent: variantHash(winner) === desc.base,
          }
        : null,
    applyCommand: `task-master-local optimize --resume ${report.run_id} --apply`,
  };
}

/** What --apply wrote. */
export interface PromptApplied {
  prompt: string;
  /** `name@vN+project`, in effect from now on; undefined when the prompt in effect already won. */
  id?: string;
  path?: string;
  replaces: string;
  /** The backup of the template it replaces and the run's figures. */
  backupPath?: string;
}

/**
 * Writes the best variant of a prompts run as `.taskmaster/prompts/<name>/v<N+1>.md` (validated as
 * a project prompt first), after a backup of the template it replaces with the run's figures; the
 * new prompt is in effect at once. Nothing is written when the prompt in effect won.
 */
export function applyPromptRun(
  project: Project,
  desc: EvaluatorDescription,
  report: OptimizeReport,
  now = new Date(),
): PromptApplied {
  const outcome = promptOutcome(project, desc, report);
  const data = storedData(project, desc);
  if (!outcome.winner || outcome.winner.isCurrent) return { prompt: data.name, replaces: data.base.id };
  const name = data.name;
  const onDisk = listProjectPrompts().find((p) => p.name === name)?.version ?? 0;
  const next = Math.max(onDisk, promptVersions(name).at(-1) ?? 0) + 1;
  const problem = checkProjectTemplate(name, next, outcome.winner.template);
  if (problem)
    throw new AppError('INTERNAL', `the best variant of ${report.run_id}: ${problem.error}`, {
      hint: 'this is a bug; report it',
    });
  const dir = join(project.paths.prompts, name);
  const path = join(dir, `v${next}.md`);
  const backups = join(project.paths.taskmasterDir, 'backups');
  mkdirSync(backups, { recursive: true });
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const backupPath = join(backups, `prompt.${name}.${stamp}.json`);
  atomicWriteFile(
    backupPath,
    `${JSON.stringify(
      {
        run_id: report.run_id,
        prompt: name,
        replaced: data.base.id,
        written: `${name}@v${next}+project`,
        model: outcome.model,
        dataset: outcome.dataset,
        fitness: { current: outcome.current.fitness, winner: outcome.winner.fitness },
        genome: outcome.winner.genome,
        replaced_template: data.base.template,
        template: outcome.winner.template,
        at: now.toISOString(),
      },
      null,
      2,
    )}\n`,
  );
  mkdirSync(dir, { recursive: true });
  atomicWriteFile(path, outcome.winner.template);
  applyProjectPrompts(project.paths.prompts);
  return { prompt: name, id: `${name}@v${next}+project`, path, replaces: data.base.id, backupPath };
}
