import type { Command } from 'commander';
import { z } from 'zod';
import { expandUseCase } from '../src/application/expand.js';
import { intFlag, parseFlags } from './shared/flags.js';
import {
  PlanFlags,
  planCommandOptions,
  planOptions,
  planOutputOptions,
  runPlanCommand,
  tagFlag,
} from './shared/plan-command.js';
import { expandLines, expandNotices, expandSummary } from './views/expand-text.js';

const Options = z.object({
  id: z.string().min(1).optional(),
  all: z.boolean().default(false),
  num: intFlag(0, 50).optional(),
  research: z.boolean().default(false),
  prompt: z.string().optional(),
  force: z.boolean().default(false),
  file: z.string().min(1).optional(),
  complexityReport: z.string().min(1).optional(),
  tag: tagFlag,
  maxDepth: intFlag(1, 4).default(1),
  ...PlanFlags,
});

async function run(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Options, raw, 'expand');
  await runPlanCommand(
    o,
    {
      bar: { label: 'expand', unit: 'requests' },
      lines: (r, live) => (live ? [] : expandLines(r)),
      notices: expandNotices,
      summary: expandSummary,
    },
    (project, run, cwd) =>
      expandUseCase(
        project,
        {
          cwd,
          ...(o.id ? { id: o.id } : {}),
          all: o.all,
          ...(o.num !== undefined ? { num: o.num } : {}),
          research: o.research,
          ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
          force: o.force,
          ...(o.file ? { tasksPath: o.file } : {}),
          ...(o.complexityReport ? { complexityReport: o.complexityReport } : {}),
          ...(o.tag ? { tag: o.tag } : {}),
          maxDepth: o.maxDepth,
          ...planOptions(o),
        },
        run,
      ),
  );
}

/** Registers `expand` with task-master's flags plus ours. */
export function register(program: Command): void {
  const c = program
    .command('expand')
    .description('break tasks into subtasks with local models, as task-master expand')
    .option('-i, --id <id>', 'task to expand')
    .option('-a, --all', 'expand every pending task without subtasks (all pending tasks with --force)')
    .option('-n, --num <n>', 'subtasks per task (default: the complexity report, else config global.defaultSubtasks)')
    .option('-r, --research', 'use the research role and the local knowledge base as context')
    .option('-p, --prompt <text>', 'what to take into account')
    .option('-f, --force', 'replace existing subtasks')
    .option('--file <file>', 'tasks file (default .taskmaster/tasks/tasks.json)')
    .option('--complexity-report <file>', "complexity report to use (also -cr; default: the tag's report)")
    .option('--tag <tag>', 'tag to work on (default: state.json current tag, else master)')
    .option('--max-depth <n>', 'levels below the task; 2+ adds steps inside subtasks', '1');
  planOutputOptions(planCommandOptions(c)).action(async (opts: Record<string, unknown>) => run(opts));
}
