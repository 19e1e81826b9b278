import type { Command } from 'commander';
import { z } from 'zod';
import { optimizeListUseCase } from '../src/application/optimize-list.js';
import { optimizeResumeUseCase } from '../src/application/optimize-resume.js';
import { optimizeRunUseCase, type OptimizeEvent } from '../src/application/optimize-run.js';
import { optimizeShowUseCase } from '../src/application/optimize-show.js';
import { ValidationError } from '../src/errors.js';
import { parseSplit } from '../src/finetune/dataset.js';
import { formatReport, formatRunDetail, formatRunList } from '../src/optimize/format.js';
import { intFlag, MODE_HELP, modeFlag, parseFlags } from './shared/flags.js';
import { withInterrupt } from './shared/interrupt.js';
import { interactive, io, printJson } from './shared/output.js';
import { withProject } from './shared/project.js';
import { progressReporter } from './views/OptimizeBars.js';
import { promptAppliedLines, promptOutcomeLines } from './views/prompt-tune-text.js';

const Options = z.object({
  fitnessCommand: z.string().min(1).optional(),
  timeout: intFlag(1).default(60_000),
  concurrency: intFlag(1, 64).optional(),
  target: z.enum(['models', 'prompts']).optional(),
  prompt: z.string().min(1).optional(),
  split: z
    .string()
    .transform((s, ctx) => {
      const v = parseSplit(s);
      if (!v) ctx.addIssue({ code: 'custom', message: 'three whole percentages summing to 100, e.g. 80,10,10' });
      return v ?? { train: 0, valid: 0, test: 0 };
    })
    .optional(),
  apply: z.boolean().default(false),
  resume: z.string().min(1).optional(),
  seed: z.coerce.number().int().optional(),
  population: intFlag(2).optional(),
  generations: intFlag(1).optional(),
  mode: modeFlag,
  json: z.boolean().default(false),
  force: z.boolean().default(false),
  db: z.string().min(1).optional(),
});
type Options = z.infer<typeof Options>;

async function action(first: string | undefined, second: string | undefined, raw: unknown): Promise<void> {
  const o = parseFlags(Options, raw, 'optimize');
  const changes =
    first ||
    o.target ||
    o.fitnessCommand ||
    [o.seed, o.population, o.generations, o.prompt, o.split].some((v) => v !== undefined);
  if (o.resume && changes)
    throw new ValidationError(
      '--resume continues a run exactly as it started; a spec, --target, --prompt, --split, --fitness-command, --seed, --population or --generations cannot change it',
      { hint: `run \`task-master-local optimize --resume ${o.resume}\` alone, or start a new run` },
    );
  await withProject({ mode: o.mode, flags: o.db ? { dbPath: o.db } : {} }, async (project) => {
    if (first === 'list') {
      const runs = optimizeListUseCase(project);
      if (o.json)
        printJson(runs.map(({ run, report }) => ({ ...report, target: run.target, created_at: run.created_at })));
      else io.out(formatRunList(runs.map((r) => r.run)));
      return;
    }
    if (first === 'show') {
      if (!second)
        throw new ValidationError('optimize show needs a run id', {
          hint: 'list runs with `task-master-local optimize list`',
        });
      const s = optimizeShowUseCase(project, { runId: second });
      if (o.json)
        printJson({
          ...s.report,
          target: s.run.target,
          seed: s.run.seed,
          error: s.run.error,
          failed_evaluations: s.failedEvaluations,
        });
      else io.out(formatRunDetail(s.run, s.report, s.generations, s.failedEvaluations));
      return;
    }
    const progress = await progressReporter(interactive(o.json) ? 'tty' : o.json ? 'none' : 'bar');
    const onProgress = (e: OptimizeEvent) => (e.type === 'evaluation' ? progress.tick() : progress.update(e));
    const r = await withInterrupt((signal) =>
      o.resume
        ? optimizeResumeUseCase(project, { runId: o.resume, apply: o.apply }, { signal, onProgress })
        : optimizeRunUseCase(project, runOptions(first, o), { signal, onProgress }),
    ).finally(() => progress.stop());
    if (o.json)
      return printJson({
        ...r.report,
        ...(r.prompt ? { prompt: r.prompt } : {}),
        ...(r.applied ? { applied: r.applied } : {}),
      });
    io.out(formatReport(r.report));
    if (r.prompt) {
      for (const l of promptOutcomeLines(r.prompt, !!r.applied)) io.out(l);
      if (r.applied) for (const l of promptAppliedLines(r.applied)) io.out(l);
    } else if (r.applied) {
      const roles = Object.entries(r.applied).map(
        ([role, c]) => `${role}=${String((c as { modelId: string }).modelId)}`,
      );
      io.out(`\nwrote to ${project.config.configPath}: ${roles.join(', ')}`);
    }
  });
}

function runOptions(spec: string | undefined, o: Options) {
  return {
    cwd: process.cwd(),
    ...(spec ? { spec } : {}),
    ...(o.target ? { target: o.target } : {}),
    ...(o.prompt ? { prompt: o.prompt } : {}),
    ...(o.split ? { split: o.split } : {}),
    ...(o.fitnessCommand ? { fitnessCommand: o.fitnessCommand } : {}),
    timeoutMs: o.timeout,
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.population !== undefined ? { population: o.population } : {}),
    ...(o.generations !== undefined ? { generations: o.generations } : {}),
    apply: o.apply,
    force: o.force,
  };
}

/** `optimize <spec>` | `optimize --target models|prompts` | `optimize list` | `optimize show <run>` | `optimize --resume <run>`. */
export function register(program: Command): void {
  program
    .command('optimize')
    .description(
      "evolve a configuration against a fitness command, a local-model judge, this tool's own model settings, or a prompt on the project's own history",
    )
    .argument('[spec]', 'spec.json / spec.yaml, or `list`, or `show`')
    .argument('[run]', 'run id for `show`')
    .option(
      '--fitness-command <cmd>',
      'shell command scoring a genome (JSON on stdin, GENOME_<NAME> env); last number printed',
    )
    .option('--timeout <ms>', 'per-evaluation timeout of the fitness command', '60000')
    .option('--concurrency <n>', 'evaluations run at once')
    .option(
      '--target <target>',
      '`models`: tune model per role, temperature, num_ctx and concurrency; `prompts`: evolve a prompt on the valid split of the project dataset',
    )
    .option('--prompt <name>', 'with --target prompts: the prompt to tune (default parse-prd)')
    .option(
      '--split <train,valid,test>',
      'with --target prompts: the dataset split (as finetune export; default 80,10,10)',
    )
    .option(
      '--apply',
      'with --target models: write the best settings into the config; with prompts: the winner as a project prompt',
    )
    .option('--resume <run>', 'continue an interrupted run after its last finished generation')
    .option('--seed <n>', 'random seed (overrides the spec)')
    .option('--population <n>', 'population size (overrides the spec)')
    .option('--generations <n>', 'maximum generations (overrides the spec)')
    .option('--mode <mode>', MODE_HELP)
    .option('--force', 'run even above the size limits (population 1,000, generations 1,000, 20,000 evaluations)')
    .option('--db <path>', 'SQLite file to use')
    .option('--json', 'print {run_id, best_individual, generations, evaluations} as JSON')
    .action(action);
}
