import type { Command } from 'commander';
import { z } from 'zod';
import { expandUseCase } from '../src/application/expand.js';
import { openProject } from '../src/application/project.js';
import { intFlag, MODE_HELP, modeFlag, parseFlags } from './shared/flags.js';
import { withInterrupt } from './shared/interrupt.js';
import { interactive, io, printJson } from './shared/output.js';
import { expandLines, expandNotices, expandSummary } from './views/expand-text.js';
import { parsePrdBar } from './views/ParsePrdBar.js';

const Options = z.object({
  id: z.string().min(1).optional(),
  all: z.boolean().default(false),
  num: intFlag(0, 50).optional(),
  research: z.boolean().default(false),
  prompt: z.string().optional(),
  force: z.boolean().default(false),
  file: z.string().min(1).optional(),
  complexityReport: z.string().min(1).optional(),
  tag: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only')
    .optional(),
  maxDepth: intFlag(1, 4).default(1),
  concurrency: intFlag(1, 64).optional(),
  model: z.string().min(1).optional(),
  mode: modeFlag,
  cache: z.boolean().default(true),
  json: z.boolean().default(false),
});

async function run(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Options, raw, 'expand');
  const cwd = process.cwd();
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
      : await parsePrdBar('expand', 'requests');
  try {
    const out = await withInterrupt((signal) =>
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
          ...(o.model ? { model: o.model } : {}),
          ...(o.cache ? {} : { noCache: true }),
        },
        { signal, onProgress: view?.onProgress, onNote: (n) => io.err(`note: ${n}`) },
      ),
    );
    await view?.stop();
    if (o.json) {
      printJson(out);
      io.err(expandSummary(out));
      return;
    }
    if (!live) for (const l of expandLines(out)) io.out(l);
    for (const n of expandNotices(out)) io.err(n);
    io.out(expandSummary(out));
  } finally {
    await view?.stop();
    project.close();
  }
}

/** Registers `expand` with task-master's flags plus ours. */
export function register(program: Command): void {
  program
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
    .option('--max-depth <n>', 'levels below the task; 2+ adds steps inside subtasks', '1')
    .option('--concurrency <n>', 'parallel model requests')
    .option('--model <id>', 'model alias or id to use first')
    .option('--mode <mode>', MODE_HELP)
    .option('--no-cache', 'ask the model again instead of using cached answers and checkpoints')
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => run(opts));
}
