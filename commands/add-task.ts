import type { Command } from 'commander';
import { z } from 'zod';
import { addTaskUseCase, PRIORITIES } from '../src/application/task-add.js';
import { parseFlags } from './shared/flags.js';
import { common, EditFlags, editOptions, runEdit } from './shared/task-edit.js';
import { addLines } from './views/task-edit-text.js';

const Flags = EditFlags.extend({
  prompt: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  details: z.string().optional(),
  testStrategy: z.string().optional(),
  dependencies: z.string().optional(),
  priority: z.enum(PRIORITIES).optional(),
});

/** `add-task -p <what>` (the model writes it) or `add-task -t <title> -d <description>` (by hand, no model). */
export function register(program: Command): void {
  editOptions(
    program
      .command('add-task')
      .description('add a task after the last one: written by the model from -p, or by hand with -t and -d')
      .option('-p, --prompt <text>', 'what the task is about (the model writes it)')
      .option('-t, --title <title>', 'title (a task by hand, no model)')
      .option('-d, --description <text>', 'description (a task by hand)')
      .option('--details <text>', 'implementation details (a task by hand)')
      .option('--test-strategy <text>', 'how to verify it (a task by hand)')
      .option('--dependencies <ids>', 'comma-separated ids of tasks it depends on')
      .option('--priority <priority>', 'high, medium or low (default: global.defaultPriority, else medium)'),
  ).action((raw: Record<string, unknown>) => {
    const o = parseFlags(Flags, raw, 'add-task');
    const given = <K extends keyof typeof o>(k: K) => (o[k] !== undefined ? { [k]: o[k] } : {});
    return runEdit(
      'add-task',
      o,
      (project, run) =>
        addTaskUseCase(
          project,
          {
            ...given('prompt'),
            ...given('title'),
            ...given('description'),
            ...given('details'),
            ...given('testStrategy'),
            ...given('dependencies'),
            ...given('priority'),
            ...common(o),
          },
          run,
        ),
      addLines,
    );
  });
}
