import type { Command } from 'commander';
import { z } from 'zod';
import { updateFromUseCase } from '../src/application/task-update.js';
import { parseFlags } from './shared/flags.js';
import { common, EditFlags, editOptions, runEdit } from './shared/task-edit.js';
import { rewriteLines } from './views/task-edit-text.js';

const Flags = EditFlags.extend({ from: z.string().min(1).default('1'), prompt: z.string().default('') });

/** `update --from <id> -p <change>`: every unfinished task from that id on, in parallel. */
export function register(program: Command): void {
  editOptions(
    program
      .command('update')
      .description('rewrite every unfinished task from an id on for a change you describe')
      .option('--from <id>', 'first task id to update', '1')
      .option('-p, --prompt <text>', 'what changed'),
  ).action((raw: Record<string, unknown>) => {
    const o = parseFlags(Flags, raw, 'update');
    return runEdit(
      'update',
      o,
      (project, run) => updateFromUseCase(project, { from: o.from, prompt: o.prompt, ...common(o) }, run),
      rewriteLines,
    );
  });
}
