import type { Command } from 'commander';
import { z } from 'zod';
import { parsePrdUseCase } from '../src/application/parse-prd.js';
import { ValidationError } from '../src/errors.js';
import { notices, summaryLine, taskLines } from '../src/prd/summary.js';
import { intFlag, parseFlags } from './shared/flags.js';
import {
  PlanFlags,
  planCommandOptions,
  planOptions,
  planOutputOptions,
  runPlanCommand,
  tagFlag,
} from './shared/plan-command.js';

const Options = z.object({
  file: z.string().min(1).optional(),
  input: z.string().min(1).optional(),
  numTasks: intFlag(0, 200).default(0),
  force: z.boolean().default(false),
  append: z.boolean().default(false),
  tag: tagFlag,
  output: z.string().min(1).optional(),
  maxDepth: intFlag(1, 6).default(2),
  expandThreshold: intFlag(1, 10).default(5),
  resume: z.boolean().default(false),
  requireModel: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  ...PlanFlags,
});

async function run(file: string | undefined, raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Options, { ...raw, file }, { command: 'parse-prd', positional: ['file'] });
  if (o.force && o.append)
    throw new ValidationError('--force and --append cannot be combined', {
      hint: '--force replaces the tag, --append adds after it; pick one',
    });
  await runPlanCommand(
    o,
    {
      bar: { label: 'parse-prd', unit: 'nodes' },
      lines: (r, live) => (live ? [] : taskLines(r)),
      notices,
      summary: summaryLine,
    },
    (project, run, cwd) =>
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
          requireModel: o.requireModel,
          resume: o.resume,
          ...planOptions(o),
        },
        run,
      ),
  );
}

/** Registers `parse-prd` with task-master's flags plus ours. */
export function register(program: Command): void {
  const c = program
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
    .option('--expand-threshold <n>', 'decompose tasks of at least this complexity (1-10)', '5');
  planCommandOptions(c)
    .option('--resume', 'reuse the answers of an interrupted run of the same PRD and options (works with --no-cache)')
    .option('--require-model', 'fail instead of using the structural planner when no model is reachable')
    .option('--dry-run', 'plan and print, write nothing to tasks.json');
  planOutputOptions(c).action(async (file: string | undefined, opts: Record<string, unknown>) => run(file, opts));
}
