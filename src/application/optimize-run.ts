/** optimize: a new run against a spec's fitness (command or local-model judge) or `--target models`. */
import { ValidationError } from '../errors.js';
import {
  evaluatorFor,
  jobForModels,
  jobFromSpec,
  jobFromSpecFile,
  type EvaluatorResources,
  type Job,
} from '../optimize/jobs.js';
import { runOptimization, type OptimizeProgress, type OptimizeReport } from '../optimize/run.js';
import type { SplitSpec } from '../finetune/types.js';
import type { Project } from './project.js';
import { promptJob, promptOutcome, promptsEvaluatorFor, type PromptTuningOutcome } from './prompt-tuning.js';
import type { RunControls } from './run-controls.js';
import { optimizeApplyUseCase } from './optimize-apply.js';

/** Progress of a run, plus one event per finished evaluation. */
export type OptimizeEvent = OptimizeProgress | { type: 'evaluation'; ok: boolean };

/** A new run: a spec file, or `target: 'models'`; flags override the spec. */
export interface OptimizeRunOptions {
  /** spec.json / spec.yaml (relative to `cwd`). */
  spec?: string;
  /** The spec itself (library callers), as a spec file would hold it. */
  specObject?: Record<string, unknown>;
  /**
   * `models`: this tool's own model per role, temperature, num_ctx and concurrency; `prompts`: variants
   * of a prompt scored on the valid split of the project's dataset.
   */
  target?: 'models' | 'prompts';
  /** With `target: 'prompts'`: the prompt to tune (default parse-prd). */
  prompt?: string;
  /** With `target: 'prompts'`: the dataset split (as `finetune export --split`, default 80,10,10). */
  split?: SplitSpec;
  fitnessCommand?: string;
  /** Per-evaluation timeout of the fitness command (ms, default 60000). */
  timeoutMs?: number;
  concurrency?: number;
  seed?: number;
  population?: number;
  generations?: number;
  /** With `target: 'models'`: write the best settings into the config; with `prompts`: the winner as a project prompt. */
  apply?: boolean;
  /** Run even above the size limits (population 1,000, generations 1,000, 20,000 evaluations). */
  force?: boolean;
  /** Where relative paths and the fitness command start (the CLI passes the shell's directory). */
  cwd?: string;
}

/** The stored run's report and, with `apply`, the roles written to the config. */
export interface OptimizeRunResult {
  report: OptimizeReport;
  applied?: Record<string, unknown>;
  /** A prompts run: the winner against the prompt in effect. */
  prompt?: PromptTuningOutcome;
}

/** The targets whose best result --apply can write. */
export const APPLY_TARGETS = ['models', 'prompts'];

/** What an optimize evaluator may use from the project (the model API only when it is first needed). */
export function evaluatorResources(project: Project, env: NodeJS.ProcessEnv = process.env): EvaluatorResources {
  return {
    api: () => project.api(),
    catalog: project.catalog(),
    config: project.config,
    db: project.db(),
    env,
    prompts: (desc, onResult, signal) => promptsEvaluatorFor(project, desc, onResult, signal),
  };
}

/** Runs a job to its end, storing every evaluation; interrupted, it throws ABORTED naming the run to resume. */
export async function runJob(
  project: Project,
  job: Job,
  run: RunControls<OptimizeEvent>,
  apply: boolean,
): Promise<OptimizeRunResult> {
  const evaluator = await evaluatorFor(
    job,
    evaluatorResources(project),
    (r) => run.onProgress?.({ type: 'evaluation', ok: r.ok }),
    run.signal,
  );
  const report = await runOptimization({
    db: project.db(),
    spec: job.spec,
    rawSpec: job.raw,
    target: job.target,
    evaluatorDescription: job.desc,
    evaluator,
    ...(job.resumeId ? { resumeId: job.resumeId } : {}),
    ...(run.onProgress ? { onProgress: run.onProgress } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
  });
  const result: OptimizeRunResult = { report };
  if (job.target === 'prompts') result.prompt = promptOutcome(project, job.desc, report);
  if (apply && report.best_individual)
    result.applied = (await optimizeApplyUseCase(project, { runId: report.run_id })).applied;
  return result;
}

/** Starts a run (see OptimizeRunOptions); `apply` only with the models and prompts targets. */
export async function optimizeRunUseCase(
  project: Project,
  o: OptimizeRunOptions,
  run: RunControls<OptimizeEvent> = {},
): Promise<OptimizeRunResult> {
  if (o.apply && !APPLY_TARGETS.includes(o.target ?? ''))
    throw new ValidationError('--apply only works with --target models or --target prompts', {
      hint: 'add --target models or --target prompts',
    });
  if ((o.prompt !== undefined || o.split !== undefined) && o.target !== 'prompts')
    throw new ValidationError('--prompt and --split only work with --target prompts', {
      hint: 'add --target prompts',
    });
  const overrides = {
    cwd: o.cwd ?? project.paths.root,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.population !== undefined ? { population: o.population } : {}),
    ...(o.generations !== undefined ? { generations: o.generations } : {}),
    ...(o.fitnessCommand ? { fitnessCommand: o.fitnessCommand } : {}),
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    timeoutMs: o.timeoutMs ?? 60_000,
    ...(o.force ? { force: true } : {}),
  };
  let job: Job;
  if (o.target === 'models') job = await jobForModels(project.catalog(), overrides);
  else if (o.target === 'prompts')
    job = await promptJob(
      project,
      {
        ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
        ...(o.split ? { split: o.split } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.population !== undefined ? { population: o.population } : {}),
        ...(o.generations !== undefined ? { generations: o.generations } : {}),
        ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
        ...(o.force ? { force: true } : {}),
      },
      run.signal,
    );
  else if (o.specObject) job = jobFromSpec(o.specObject, 'spec', overrides.cwd, overrides);
  else if (o.spec) job = jobFromSpecFile(o.spec, overrides);
  else
    throw new ValidationError('optimize needs a spec file', {
      hint: 'task-master-local optimize spec.json --fitness-command ./fit.sh (or --target models)',
    });
  return runJob(project, job, run, !!o.apply);
}
