/**
 * What the commands on parse-prd's core (parse-prd, expand, analyze-complexity) share: the flags for
 * the model, concurrency, cache, mode and --json; the project opened with --concurrency and --mode for
 * the whole project (the endpoint limiters, the privacy guard); the progress drawn (the live ink view
 * on a TTY, a bar on stderr for pipes and CI, nothing under --json); Ctrl-C; and the output (JSON on
 * stdout with the summary line on stderr, or the text lines, the notices on stderr, the summary).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { openProject, type Project } from '../../src/application/project.js';
import type { RunControls } from '../../src/application/run-controls.js';
import type { PrdEvent } from '../../src/prd/events.js';
import { parsePrdBar } from '../views/ParsePrdBar.js';
import { intFlag, MODE_HELP, modeFlag } from './flags.js';
import { withInterrupt } from './interrupt.js';
import { interactive, io, printJson } from './output.js';

/** `--tag`: a name task-master can also use as a file suffix. */
export const tagFlag = z
  .string()
  .regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only')
  .optional();

/** Flags every planning command takes (spread into its zod object). */
export const PlanFlags = {
  model: z.string().min(1).optional(),
  concurrency: intFlag(1, 64).optional(),
  mode: modeFlag,
  cache: z.boolean().default(true),
  json: z.boolean().default(false),
};

type PlanFlagValues = { model?: string | undefined; cache: boolean };

/** The shared flags as the use cases take them: without --no-cache the project's local.cache decides. */
export const planOptions = (o: PlanFlagValues) => ({
  ...(o.model ? { model: o.model } : {}),
  ...(o.cache ? {} : { noCache: true }),
});

/** Adds the shared options to a command (after its own). */
export function planCommandOptions(c: Command, model = '--model <id>'): Command {
  return c
    .option('--concurrency <n>', 'parallel model requests')
    .option(model, 'model alias or id to use first')
    .option('--mode <mode>', MODE_HELP);
}

/** The last two options of every planning command (after any of its own that read best before them). */
export function planOutputOptions(c: Command): Command {
  return c
    .option('--no-cache', 'ask the model again instead of using cached answers and checkpoints')
    .option('--json', 'print only JSON on stdout');
}

export interface PlanRender<R> {
  /** What the bar on stderr says: its label and what it counts. */
  bar: { label: string; unit: string };
  /** Lines for stdout after the run (`live`: the ink view has drawn the run already). */
  lines(r: R, live: boolean): string[];
  /** Notes for stderr (no model reachable, fixes). */
  notices(r: R): string[];
  /** The one summary line: stdout, or stderr under --json. */
  summary(r: R): string;
}

/** Opens the project, runs the use case with progress and Ctrl-C, and prints its result. */
export async function runPlanCommand<R>(
  o: { json: boolean; concurrency?: number | undefined; mode?: z.infer<typeof modeFlag> },
  render: PlanRender<R>,
  fn: (project: Project, run: RunControls<PrdEvent>, cwd: string) => Promise<R>,
): Promise<void> {
  const cwd = process.cwd();
  const project = openProject({
    cwd,
    env: process.env,
    flags: { ...(o.concurrency ? { concurrency: o.concurrency } : {}), ...(o.mode ? { mode: o.mode } : {}) },
  });
  const live = interactive(o.json);
  const view = live
    ? await (await import('../views/ParsePrdView.js')).startParsePrdView()
    : o.json
      ? undefined
      : await parsePrdBar(render.bar.label, render.bar.unit);
  try {
    const out = await withInterrupt((signal) =>
      fn(project, { signal, onProgress: view?.onProgress, onNote: (n) => io.err(`note: ${n}`) }, cwd),
    );
    await view?.stop();
    if (o.json) {
      printJson(out);
      io.err(render.summary(out));
      return;
    }
    for (const l of render.lines(out, live)) io.out(l);
    for (const n of render.notices(out)) io.err(n);
    io.out(render.summary(out));
  } finally {
    await view?.stop();
    project.close();
  }
}
