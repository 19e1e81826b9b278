import type { Command } from 'commander';
import { z } from 'zod';
import { updateSubtaskUseCase } from '../src/application/task-update.js';
import { parseFlags } from './shared/flags.js';
import { common, EditFlags, editOptions, runEdit } from './shared/task-edit.js';
import { appendLines } from './views/task-edit-text.js';

const Flags = EditFlags.extend({ id: z.string().min(1), prompt: z.string().default('') });

/** `update-subtask --id <P.S> -p <note>`: a timestamped note appended to the subtask's details. */
export function register(program: Command): void {
  editOptions(
    program
      .command('update-subtask')
      .description("append a timestamped note, written by the model from yours, to a subtask's details")
      .requiredOption('-i, --id <id>', 'subtask id (task.subtask, e.g. 3.2)')
      .option('-p, --prompt <text>', 'what to add'),
  ).action((raw: Record<string, unknown>) => {
    const o = parseFlags(Flags, raw, 'update-subtask');
    return runEdit(
      'update-subtask',
      o,
      (project, run) => updateSubtaskUseCase(project, { id: o.id, prompt: o.prompt, ...common(o) }, run),
      appendLines,
    );
  });
}
