import type { Command } from 'commander';
import { resolve, dirname } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../src/config/load.js';
import { ValidationError } from '../src/errors.js';
import { buildEvaluator } from '../src/optimize/evaluators.js';
import { formatReport, formatRunDetail, formatRunList } from '../src/optimize/format.js';
import { reportOf, runOptimization, storedRun, type EvaluatorDescription, type OptimizeProgress } from '../src/optimize/run.js';
import { readSpecFile, validateSpecAt } from '../src/optimize/spec.js';
import { openDatabase } from '../src/storage/db.js';
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
  db: z.string().optional(),
});
type Options = z.infer<typeof Options>;

function parseOptions(raw: unknown): Options {
  const r = Options.safeParse(raw);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new ValidationError(`--${String(i.path[0] ?? '')}: ${i.message}`, { hint: 'see `task-master-local optimize --help`' });
}

/** Spec file + flags → the raw spec to store, and the evaluator description to build and store. */
function fromSpecFile(path: string, o: Options) {
  const raw = { ...(readSpecFile(path) as Record<string, unknown>) };
  if (o.seed !== undefined) raw.seed = o.seed;
  if (o.population !== undefined) raw.population_size = o.population;
  if (o.generations !== undefined) raw.max_generations = o.generations;
  const spec = validateSpecAt(path, raw);
  let desc: EvaluatorDescription;
  if (o.fitnessCommand) {
    // the flag's command is relative to where the user typed it; the spec's to the spec file
    desc = { type: 'command', command: o.fitnessCommand, cwd: process.cwd(), timeout_ms: o.timeout, concurrency: o.concurrency ?? 4 };
  } else if (spec.evaluator?.type === 'command') {
    desc = { ...spec.evaluator, cwd: dirname(resolve(path)), concurrency: o.concurrency ?? spec.evaluator.concurrency ?? 4 };
  } else if (spec.evaluator?.type === 'llm') {
    desc = { ...spec.evaluator, concurrency: o.concurrency ?? spec.evaluator.concurrency ?? 2 };
  } else {
    throw new ValidationError(`${path}: no fitness evaluator`, {
      hint: 'pass --fitness-command <cmd>, or give the spec an evaluator (command) or evaluation_criteria + optimization_goal',
    });
  }
  return { raw, spec, desc, target: desc.type };
}

async function action(first: string | undefined, second: string | undefined, raw: unknown): Promise<void> {
  const o = parseOptions(raw);
  const config = loadConfig({ cwd: process.cwd(), env: process.env, flags: o.db ? { dbPath: o.db } : {} });
  const db = openDatabase(config.dbPath);
  try {
    const repo = new OptimizeRepo(db);
    if (first === 'list' && !o.resume) {
      const runs = repo.listRuns();
      if (o.json) printJson(runs.map((r) => ({ ...reportOf(repo, r), target: r.target, created_at: r.created_at })));
      else io.out(formatRunList(runs));
      return;
    }
    if (first === 'show' && !o.resume) {
      if (!second) throw new ValidationError('optimize show needs a run id', { hint: 'list runs with `task-master-local optimize list`' });
      const { run } = storedRun(db, second);
      const report = reportOf(repo, run);
      if (o.json) return printJson({ ...report, target: run.target, seed: run.seed, error: run.error, failed_evaluations: repo.failedEvaluations(run.id) });
      io.out(formatRunDetail(run, report, repo.generations(run.id), repo.failedEvaluations(run.id)));
      return;
    }
    let job;
    if (o.resume) {
      const s = storedRun(db, o.resume);
      job = { raw: JSON.parse(s.run.spec).raw as unknown, spec: s.spec, desc: s.evaluator, target: s.run.target };
    } else if (o.target === 'models') {
      throw new ValidationError('--target models is not available yet');
    } else {
      if (!first) throw new ValidationError('optimize needs a spec file', { hint: 'task-master-local optimize spec.json --fitness-command ./fit.sh' });
      job = fromSpecFile(first, o);
    }
    const progress = await progressReporter(interactive(o.json) ? 'tty' : o.json ? 'none' : 'bar');
    let report;
    try {
      const evaluator = await buildEvaluator(job.desc, job.spec, { onResult: () => progress.tick() });
      report = await runOptimization({
        db,
        spec: job.spec,
        rawSpec: job.raw,
        target: job.target,
        evaluatorDescription: job.desc,
        evaluator,
        ...(o.resume ? { resumeId: o.resume } : {}),
        onProgress: (e: OptimizeProgress) => progress.update(e),
      });
    } finally {
      await progress.stop();
    }
    if (o.json) printJson(report);
    else io.out(formatReport(report));
  } finally {
    db.close();
  }
}

/** `optimize <spec>` | `optimize list` | `optimize show <run>` | `optimize --resume <run>`. */
export function register(program: Command): void {
  program
    .command('optimize')
    .description('evolve a configuration against a fitness command, a local-model judge, or this tool\'s own model settings')
    .argument('[spec]', 'spec.json / spec.yaml, or `list`, or `show`')
    .argument('[run]', 'run id for `show`')
    .option('--fitness-command <cmd>', 'shell command scoring a genome (JSON on stdin, GENOME_<NAME> env); last number printed')
    .option('--timeout <ms>', 'per-evaluation timeout of the fitness command', '60000')
    .option('--concurrency <n>', 'evaluations run at once')
    .option('--target <target>', '`models`: tune model per role, temperature, num_ctx and concurrency')
    .option('--apply', 'with --target models: write the best settings into the config')
    .option('--resume <run>', 'continue an interrupted run after its last finished generation')
    .option('--seed <n>', 'random seed (overrides the spec)')
    .option('--population <n>', 'population size (overrides the spec)')
    .option('--generations <n>', 'maximum generations (overrides the spec)')
    .option('--db <path>', 'SQLite file to use')
    .option('--json', 'print {run_id, best_individual, generations, evaluations} as JSON')
    .action(action);
}
