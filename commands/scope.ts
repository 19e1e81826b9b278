import type { Command } from 'commander';
import { z } from 'zod';
import { scopeUseCase } from '../src/application/task-scope.js';
import { SCOPE_STRENGTHS, type ScopeDirection } from '../src/tasks/scope.js';
import { parseFlags } from './shared/flags.js';
import { common, EditFlags, editOptions, runEdit } from './shared/task-edit.js';
import { rewriteLines } from './views/task-edit-text.js';

const Flags = EditFlags.extend({
  id: z.string().min(1),
  strength: z.enum(SCOPE_STRENGTHS).default('regular'),
  prompt: z.string().optional(),
});

/** `scope-up` / `scope-down -i <ids> [-s light|regular|heavy] [-p <instructions>]`. */
export function registerScope(program: Command, direction: ScopeDirection): void {
  const name = direction === 'up' ? 'scope-up' : 'scope-down';
  editOptions(
    program
      .command(name)
      .description(
        `rewrite tasks to a ${direction === 'up' ? 'larger' : 'smaller'} scope (ids, status, dependencies, done subtasks stay)`,
      )
      .requiredOption('-i, --id <ids>', 'comma-separated task ids')
      .option('-s, --strength <level>', 'light, regular or heavy', 'regular')
      .option('-p, --prompt <text>', 'your instructions for the rescoping'),
  ).action((raw: Record<string, unknown>) => {
    const o = parseFlags(Flags, raw, name);
    return runEdit(
      name,
      o,
      (project, run) =>
        scopeUseCase(
          project,
          {
            ids: o.id,
            direction,
            strength: o.strength,
            ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
            ...common(o),
          },
          run,
        ),
      rewriteLines,
    );
  });
}
