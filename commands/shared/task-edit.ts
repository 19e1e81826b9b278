/** What the task-edit commands (add-task, update-task, update-subtask, update, scope-up/down) share. */
import type { Command } from 'commander';
import { z } from 'zod';
import type { TaskEditEvent } from '../../src/application/task-edit-common.js';
import type { Project } from '../../src/application/project.js';
import type { RunControls } from '../../src/application/run-controls.js';
import { taskEditProgress } from '../views/task-edit-progress.js';
import { MODE_HELP, modeFlag } from './flags.js';
import { withInterrupt } from './interrupt.js';
import { io, printJson } from './output.js';
import { withProject } from './project.js';

/** Flags every task-edit command takes. */
export const EditFlags = z.object({
  json: z.boolean().default(false),
  research: z.boolean().default(false),
  tag: z.string().min(1).optional(),
  mode: modeFlag,
  cache: z.boolean().default(true),
});

/** The common options as the use cases take them. */
export const common = (o: z.infer<typeof EditFlags>) => ({
  research: o.research,
  ...(o.tag ? { tag: o.tag } : {}),
  ...(o.cache ? {} : { noCache: true }),
});

/** Opens the project, runs the use case with progress and Ctrl-C, prints JSON or the text lines. */
export async function runEdit<R>(
  job: string,
  o: { json: boolean; mode?: z.infer<typeof modeFlag> },
  fn: (project: Project, run: RunControls<TaskEditEvent>) => Promise<R>,
  text: (r: R) => string[],
): Promise<void> {
  await withProject(o, async (project) => {
    const view = await taskEditProgress(job, o.json);
    const r = await withInterrupt((signal) =>
      fn(project, { signal, onProgress: (e) => view.onProgress(e), onNote: (n) => io.err(`note: ${n}`) }),
    ).finally(() => view.stop());
    if (o.json) printJson(r);
    else for (const l of text(r)) io.out(l);
  });
}

/** Adds the options every task-edit command takes. */
export function editOptions(c: Command): Command {
  for (const [flags, help] of EDIT_OPTIONS) c.option(flags, help);
  return c;
}

const EDIT_OPTIONS: [string, string][] = [
  ['-r, --research', 'use the research role'],
  ['--tag <tag>', "tag to work on (default: task-master's current tag)"],
  ['--no-cache', 'ask the model even when an identical question was answered before'],
  ['--mode <mode>', MODE_HELP],
  ['--json', 'print JSON'],
];
