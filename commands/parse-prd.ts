import type { Command } from 'commander';
import { z } from 'zod';
import { openProject } from '../src/application/project.js';
import { parsePrdUseCase } from '../src/application/parse-prd.js';
import { ValidationError } from '../src/errors.js';
import { notices, summaryLine, taskLines } from '../src/prd/summary.js';
import { intFlag, MODE_HELP, modeFlag, parseFlags } from './shared/flags.js';
import { withInterrupt } from './shared/interrupt.js';
import { interactive, io, printJson } from './shared/output.js';
import { parsePrdBar } from './views/ParsePrdBar.js';

const Options = z.object({
  file: z.string().min(1).optional(),
  input: z.string().min(1).optional(),
  numTasks: intFlag(0, 200).default(0),
  force: z.boolean().default(false),
  append: z.boolean().default(false),
  tag: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only')
    .optional(),
  output: z.string().min(1).optional(),
  maxDepth: intFlag(1, 6).default(2),
  concurrency: intFlag(1, 64).optional(),
  expandThreshold: intFlag(1, 10).default(5),
  model: z.string().min(1).optional(),
  mode: modeFlag,
  resume: z.boolean().default(false),
  requireModel: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  cache: z.boolean().default(true),
  json: z.boolean().default(false),
});

async function run(file: string | undefined, raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Options, { ...raw, file }, { command: 'parse-prd', positional: ['file'] });
  if (o.force && o.append)
    throw new ValidationError('--force and --append cannot be combined', {
      hint: '--force replaces the tag, --append adds after it; pick one',
    });
  const cwd = process.cwd();
  // --concurrency and --mode hold for the whole project (the endpoint limiters, the privacy guard).
  const project = openProject({
    cwd,
    env: process.env,
    flags: { ...(o.concurrency ? { concurrency: o.concurrency } : {}), ...(o.mode ? { mode: o.mode } : {}) },
  });
  const live = interactive(o.json);
  const view = live
    ? await (await import('./views/ParsePrdView.js')).startParsePrdView()
    : o.json
      ? undefined
      : await parsePrdBar();
  try {
    const out = await withInterrupt((signal) =>
      parsePrdUseCase(
        project,
        {
          cwd,
          ...((o.file ?? o.input) ? { prdPath: (o.file ?? o.input)! } : {}),
          ...(o.output ? { tasksPath: o.output } : {}),
          ...(o.tag ? { tag: o.tag } : {}),
          writeMode: o.force ? 'force' : o.append ? 'append' : 'create',
          dryRun: o.dryRun,
          numTasks: o.numTasks,
          maxDepth: o.maxDepth,
          complexityThreshold: o.expandThreshold,
          ...(o.model ? { model: o.model } : {}),
          requireModel: o.requireModel,
          // Without --no-cache the project's local.cache decides (the library does the same).
          ...(o.cache ? {} : { noCache: true }),
          resume: o.resume,
        },
        { signal, onProgress: view?.onProgress, onNote: (n) => io.err(`note: ${n}`) },
      ),
    );
    await view?.stop();
    if (o.json) {
      printJson(out);
      io.err(summaryLine(out));
      return;
    }
    if (!live) for (const l of taskLines(out)) io.out(l);
    for (const n of notices(out)) io.err(n);
    io.out(summaryLine(out));
  } finally {
    await view?.stop();
    project.close();
  }
}

/** Registers `parse-prd` with task-master's flags plus ours. */
export function register(program: Command): void {
  program
    .command('parse-prd')
    .description("turn a PRD into a task tree in task-master's tasks.json, using local models")
    .argument('[file]', 'PRD file (default .taskmaster/docs/prd.txt)')
    .option('-i, --input <file>', 'PRD file (same as the argument)')
    .option('-n, --num-tasks <n>', 'approximate number of top-level tasks; 0 = the model decides', '0')
    .option('-f, --force', 'replace the tasks of a non-empty tag')
    .option('--append', 'add after the existing tasks of the tag')
    .option('--tag <tag>', 'tag to write (default: state.json current tag, else master)')
    .option('-o, --output <file>', 'tasks file (default .taskmaster/tasks/tasks.json)')
    .option('--max-depth <n>', 'levels of decomposition; 1 = top-level tasks only', '2')
    .option('--concurrency <n>', 'parallel model requests')
    .option('--expand-threshold <n>', 'decompose tasks of at least this complexity (1-10)', '5')
    .option('--model <id>', 'model alias or id to use first')
    .option('--mode <mode>', MODE_HELP)
    .option('--resume', 'reuse the answers of an interrupted run of the same PRD and options (works with --no-cache)')
    .option('--require-model', 'fail instead of using the structural planner when no model is reachable')
    .option('--dry-run', 'plan and print, write nothing to tasks.json')
    .option('--no-cache', 'ask the model again instead of using cached answers and checkpoints')
    .option('--json', 'print only JSON on stdout')
    .action(async (file: string | undefined, opts: Record<string, unknown>) => run(file, opts));
}
