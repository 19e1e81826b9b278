import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../src/errors.js';
import { openProject } from '../src/context.js';
import { readPrd } from '../src/prd/input.js';
import type { PrdEvent } from '../src/prd/processor.js';
import { recordPrdRunSafely, writtenTasks } from '../src/learning/record-run.js';
import { parsePrd, type ParsePrdOutput } from '../src/prd/run.js';
import { notices, summaryLine, taskLines } from '../src/prd/summary.js';
import { PrdRepo } from '../src/storage/prd-repo.js';
import { currentTag } from '../src/taskmaster/state.js';
import { interactive, io, printJson } from './shared/output.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const Options = z.object({
  file: z.string().min(1).optional(),
  input: z.string().min(1).optional(),
  numTasks: int(0, 200).default(0),
  force: z.boolean().default(false),
  append: z.boolean().default(false),
  tag: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only')
    .optional(),
  output: z.string().min(1).optional(),
  maxDepth: int(1, 6).default(2),
  concurrency: int(1, 64).optional(),
  expandThreshold: int(1, 10).default(5),
  model: z.string().min(1).optional(),
  resume: z.boolean().default(false),
  requireModel: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  cache: z.boolean().default(true),
  json: z.boolean().default(false),
});

function parseOptions(raw: unknown) {
  const r = Options.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const flag = String(i.path[0] ?? '?').replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    throw new ValidationError(`--${flag}: ${i.message}`, { hint: 'see `task-master-local parse-prd --help`' });
  }
  if (r.data.force && r.data.append)
    throw new ValidationError('--force and --append cannot be combined', {
      hint: '--force replaces the tag, --append adds after it; pick one',
    });
  return r.data;
}

async function run(file: string | undefined, raw: Record<string, unknown>): Promise<void> {
  const o = parseOptions({ ...raw, file });
  const cwd = process.cwd();
  const runId = randomUUID();
  const project = openProject({
    cwd,
    env: process.env,
    runId,
    flags: { noCache: !o.cache, ...(o.concurrency ? { concurrency: o.concurrency } : {}) },
  });
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  const prdPath = (o.file ?? o.input) ? abs((o.file ?? o.input)!) : project.paths.defaultPrd;
  const { text } = readPrd(prdPath);
  const tag = o.tag ?? currentTag(project.paths.state);
  const tasksPath = o.output ? abs(o.output) : project.paths.tasks;
  const main = project.config.roles.main;

  const ctl = new AbortController();
  const onSigint = () => ctl.abort();
  process.once('SIGINT', onSigint);
  const live = interactive(o.json);
  const view = live
    ? await (await import('./views/ParsePrdView.js')).startParsePrdView()
    : o.json
      ? undefined
      : await progressBar();
  let done: ParsePrdOutput | undefined;
  try {
    const out = (done = await parsePrd(
      {
        runId,
        prd: text,
        prdPath,
        tasksPath,
        tag,
        dryRun: o.dryRun,
        mode: o.force ? 'force' : o.append ? 'append' : 'create',
        configuredModel: main ? `${main.provider}/${main.modelId}` : undefined,
        options: {
          numTasks: o.numTasks,
          maxDepth: o.maxDepth,
          concurrency: o.concurrency ?? project.config.local.concurrency,
          model: o.model,
          requireModel: o.requireModel,
          noCache: !o.cache,
          resume: o.resume,
          complexityThreshold: o.expandThreshold,
        },
      },
      { api: project.api(), repo: new PrdRepo(project.db()), signal: ctl.signal, onProgress: view?.onProgress },
    ));
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
    process.removeListener('SIGINT', onSigint);
    // Every run (failed ones too) becomes an experience for `improve`.
    const note = ctl.signal.aborted
      ? undefined
      : await recordPrdRunSafely(
          project,
          runId,
          text,
          done?.written ? writtenTasks(done.tasksPath, done.tag, done.tasks) : undefined,
        );
    if (note) io.err(`note: ${note}`);
    project.close();
  }
}

/** cli-progress on stderr for pipes and CI: nodes answered / nodes known (the total grows). */
async function progressBar() {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 1000,
      format: 'parse-prd [{bar}] {value}/{total} nodes · {calls} calls · {tokens} tokens',
      hideCursor: false,
    },
    cliProgress.Presets.legacy,
  );
  const seen = new Set<string>();
  const done = new Set<string>();
  let started = false;
  let stopped = false;
  const stats = { calls: 0, tokens: 0 };
  return {
    onProgress(e: PrdEvent) {
      if (e.type === 'stats') Object.assign(stats, { calls: e.calls, tokens: e.tokens });
      if (e.type !== 'node') return;
      seen.add(e.path);
      if (e.state === 'done') done.add(e.path);
      // Start at the first answer: a run that falls back to the structural planner shows no empty bar.
      if (!started && !stopped && done.size > 0) {
        bar.start(seen.size, done.size, stats);
        started = true;
      }
      if (!started || stopped) return;
      bar.setTotal(seen.size);
      bar.update(done.size, stats);
    },
    async stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
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
    .option('--resume', 'reuse the answers of an interrupted run of the same PRD and options (works with --no-cache)')
    .option('--require-model', 'fail instead of using the structural planner when no model is reachable')
    .option('--dry-run', 'plan and print, write nothing to tasks.json')
    .option('--no-cache', 'ask the model again instead of using cached answers and checkpoints')
    .option('--json', 'print only JSON on stdout')
    .action(async (file: string | undefined, opts: Record<string, unknown>) => run(file, opts));
}
