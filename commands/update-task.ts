import type { Command } from 'commander';
import { z } from 'zod';
import { updateTaskUseCase } from '../src/application/task-update.js';
import { parseFlags } from './shared/flags.js';
import { common, EditFlags, editOptions, runEdit } from './shared/task-edit.js';
import { appendLines, rewriteLines } from './views/task-edit-text.js';

const Flags = EditFlags.extend({
  id: z.string().min(1),
  prompt: z.string(),
  append: z.boolean().default(false),
});

/** `update-task --id <id> -p <change> [--append]` (task-master's `update-task [id] [prompt...]` too). */
export function register(program: Command): void {
  editOptions(
    program
      .command('update-task')
      .description('rewrite one task for a change you describe (ids, status, dependencies, done subtasks stay)')
      .argument('[id]', 'task id (or --id)')
      .argument('[prompt...]', 'the change (or -p)')
      .option('-i, --id <id>', 'task id')
      .option('-p, --prompt <text>', 'what changed')
      .option('--append', "append a timestamped note to the task's details instead of rewriting it"),
  ).action((id: string | undefined, words: string[], raw: Record<string, unknown>) => {
    const o = parseFlags(
      Flags,
      { ...raw, id: raw.id ?? id, prompt: raw.prompt ?? (words.length ? words.join(' ') : '') },
      { command: 'update-task', positional: [] },
    );
    return runEdit(
      'update-task',
      o,
      (project, run) => updateTaskUseCase(project, { id: o.id, prompt: o.prompt, append: o.append, ...common(o) }, run),
      (r) => ('info' in r ? appendLines(r) : rewriteLines(r)),
    );
  });
}
