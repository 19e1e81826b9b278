import type { Command } from 'commander';
import { z } from 'zod';
import { openProject } from '../src/application/project.js';
import { evaluatorResources } from '../src/application/optimize-run.js';
import { ValidationError } from '../src/errors.js';
import { formatReport, formatRunDetail, formatRunList } from '../src/optimize/format.js';
import {
  chatModelsOf,
  evaluatorFor,
  jobForModels,
  jobFromRun,
  jobFromSpecFile,
  type Job,
} from '../src/optimize/jobs.js';
import { applyModelsGenome } from '../src/optimize/models-target.js';
import { reportOf, runOptimization, storedRun } from '../src/optimize/run.js';
import { OptimizeRepo } from '../src/storage/optimize-repo.js';
import { interactive, io, printJson } from './shared/output.js';
import { progressReporter } from './views/OptimizeBars.js';

const Int = (min: number) => z.coerce.number().int().min(min);
const Options = z.object({
  fitnessCommand: z.string().min(1).optional(),
  timeout: Int(1).default(60_000),
  concurrency: Int(1).max(64).optional(),
  target: z.enum(['models']).optional(),
  apply: z.boolean().default(false),
  resume: z.string().min(1).optional(),
  seed: z.coerce.number().int().optional(),
  population: Int(2).optional(),
  generations: Int(1).optional(),
  json: z.boolean().default(false),
  force: z.boolean().default(false),
  db: z.string().optional(),
});
type Options = z.infer<typeof Options>;

function parseOptions(raw: unknown): Options {
  const r = Options.safeParse(raw);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new ValidationError(`--${String(i.path[0] ?? '')}: ${i.message}`, {
    hint: 'see `task-master-local optimize --help`',
  });
}

async function action(first: string | undefined, second: string | undefined, raw: unknown): Promise<void> {
  const o = parseOptions(raw);
  if (o.apply && o.target !== 'models' && !o.resume) {
    throw new ValidationError('--apply only works with --target models', { hint: 'add --target models' });
  }
  const project = openProject({ cwd: process.cwd(), env: process.env, flags: o.db ? { dbPath: o.db } : {} });
  try {
    const db = project.db();
    const repo = new OptimizeRepo(db);
    if (first === 'list' && !o.resume) {
      const runs = repo.listRuns();
      if (o.json) printJson(runs.map((r) => ({ ...reportOf(repo, r), target: r.target, created_at: r.created_at })));
      else io.out(formatRunList(runs));
      return;
    }
    if (first === 'show' && !o.resume) {
      if (!second)
        throw new ValidationError('optimize show needs a run id', {
          hint: 'list runs with `task-master-local optimize list`',
        });
      const { run } = storedRun(db, second);
      const report = reportOf(repo, run);
      if (o.json)
        printJson({
          ...report,
          target: run.target,
          seed: run.seed,
          error: run.error,
          failed_evaluations: repo.failedEvaluations(run.id),
        });
      else io.out(formatRunDetail(run, report, repo.generations(run.id), repo.failedEvaluations(run.id)));
      return;
    }
    const overrides = {
      cwd: process.cwd(),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.population !== undefined ? { population: o.population } : {}),
      ...(o.generations !== undefined ? { generations: o.generations } : {}),
      ...(o.fitnessCommand ? { fitnessCommand: o.fitnessCommand } : {}),
      ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
      timeoutMs: o.timeout,
      force: o.force,
    };
    let job: Job;
    if (
      o.resume &&
      (first ||
        o.target ||
        o.fitnessCommand ||
        o.seed !== undefined ||
        o.population !== undefined ||
        o.generations !== undefined)
    ) {
      throw new ValidationError(
        '--resume continues a run exactly as it started; a spec, --target, --fitness-command, --seed, --population or --generations cannot change it',
        {
          hint: `run \`task-master-local optimize --resume ${o.resume}\` alone, or start a new run`,
        },
      );
    }
    if (o.resume) job = jobFromRun(db, o.resume);
    else if (o.target === 'models') job = await jobForModels(project.catalog(), overrides);
    else if (first) job = jobFromSpecFile(first, overrides);
    else
      throw new ValidationError('optimize needs a spec file', {
        hint: 'task-master-local optimize spec.json --fitness-command ./fit.sh (or --target models)',
      });
    if (o.apply && job.target !== 'models')
      throw new ValidationError('--apply only works with --target models', {
        hint: `run ${o.resume} is a ${job.target} run`,
      });

    const progress = await progressReporter(interactive(o.json) ? 'tty' : o.json ? 'none' : 'bar');
    let report;
    try {
      const evaluator = await evaluatorFor(job, evaluatorResources(project), () => progress.tick());
      report = await runOptimization({
        db,
        spec: job.spec,
        rawSpec: job.raw,
        target: job.target,
        evaluatorDescription: job.desc,
        evaluator,
        ...(job.resumeId ? { resumeId: job.resumeId } : {}),
        onProgress: (e) => progress.update(e),
      });
    } finally {
      await progress.stop();
    }
    let applied: Record<string, unknown> | undefined;
    if (o.apply && report.best_individual)
      applied = applyModelsGenome(project.config, report.best_individual.genome, await chatModelsOf(project.catalog()));
    if (o.json) printJson(applied ? { ...report, applied } : report);
    else {
      io.out(formatReport(report));
      if (applied)
        io.out(
          `\nwrote to ${project.config.configPath}: ${Object.entries(applied)
            .map(([r, c]) => `${r}=${String((c as { modelId: string }).modelId)}`)
            .join(', ')}`,
        );
    }
  } finally {
    project.close();
  }
}

/** `optimize <spec>` | `optimize --target models` | `optimize list` | `optimize show <run>` | `optimize --resume <run>`. */
export function register(program: Command): void {
  program
    .command('optimize')
    .description(
      "evolve a configuration against a fitness command, a local-model judge, or this tool's own model settings",
    )
    .argument('[spec]', 'spec.json / spec.yaml, or `list`, or `show`')
    .argument('[run]', 'run id for `show`')
    .option(
      '--fitness-command <cmd>',
      'shell command scoring a genome (JSON on stdin, GENOME_<NAME> env); last number printed',
    )
    .option('--timeout <ms>', 'per-evaluation timeout of the fitness command', '60000')
    .option('--concurrency <n>', 'evaluations run at once')
    .option('--target <target>', '`models`: tune model per role, temperature, num_ctx and concurrency')
    .option('--apply', 'with --target models: write the best settings into the config')
    .option('--resume <run>', 'continue an interrupted run after its last finished generation')
    .option('--seed <n>', 'random seed (overrides the spec)')
    .option('--population <n>', 'population size (overrides the spec)')
    .option('--generations <n>', 'maximum generations (overrides the spec)')
    .option('--force', 'run even above the size limits (population 1,000, generations 1,000, 20,000 evaluations)')
    .option('--db <path>', 'SQLite file to use')
    .option('--json', 'print {run_id, best_individual, generations, evaluations} as JSON')
    .action(action);
}
