/**
 * `recover --run` for add-task, update-task, update-subtask, update and scope-up/down: the failed run
 * is run again through its use case from the options it recorded. Answers given before the failure come
 * from the cache, so only the calls that failed are asked again.
 */
import { z } from 'zod';
import type { InterruptedRun } from '../recovery/types.js';
import type { Project } from './project.js';
import { addTaskUseCase, PRIORITIES } from './task-add.js';
import { scopeUseCase } from './task-scope.js';
import { updateFromUseCase, updateSubtaskUseCase, updateTaskUseCase } from './task-update.js';

export const TASK_EDIT_JOBS = ['add-task', 'update-task', 'update-subtask', 'update', 'scope-up', 'scope-down'];

const Common = z.object({ tag: z.string(), prompt: z.string().optional(), research: z.boolean().optional() });
const Inputs = {
  'add-task': Common.extend({ dependencies: z.string().optional(), priority: z.enum(PRIORITIES).optional() }),
  'update-task': Common.extend({ id: z.string(), append: z.boolean().optional() }),
  'update-subtask': Common.extend({ id: z.string() }),
  update: Common.extend({ from: z.string() }),
  'scope-up': Common.extend({ ids: z.string(), strength: z.enum(['light', 'regular', 'heavy']).optional() }),
  'scope-down': Common.extend({ ids: z.string(), strength: z.enum(['light', 'regular', 'heavy']).optional() }),
};

/** Runs a recorded task-edit run again; throws `unreadable(why)` when its input cannot be used. */
export async function resumeTaskEdit(
  project: Project,
  run: InterruptedRun,
  signal: AbortSignal | undefined,
  unreadable: (why: string) => Error,
): Promise<{ detail: string }> {
  const schema = Inputs[run.job as keyof typeof Inputs];
  const parsed = schema?.safeParse(run.input);
  if (!parsed?.success)
    throw unreadable(`its recorded input is not valid (${parsed?.error.issues[0]?.message ?? run.job})`);
  const i = parsed.data as z.infer<typeof Common> & Record<string, unknown>;
  const ctl = signal ? { signal } : {};
  switch (run.job) {
    case 'add-task': {
      const r = await addTaskUseCase(project, i as z.infer<(typeof Inputs)['add-task']>, ctl);
      return { detail: `add-task run again: task ${r.id} added to ${r.path} [${r.tag}]` };
    }
    case 'update-task':
    case 'update-subtask': {
      const o = i as z.infer<(typeof Inputs)['update-task']>;
      const r =
        run.job === 'update-task'
          ? await updateTaskUseCase(project, o, ctl)
          : await updateSubtaskUseCase(project, o, ctl);
      return {
        detail: `${run.job} run again: ${'info' in r ? `note appended to ${r.id}` : `${r.tasks.length} task(s) rewritten`} [${r.tag}]`,
      };
    }
    case 'update': {
      const r = await updateFromUseCase(project, i as z.infer<(typeof Inputs)['update']>, ctl);
      return { detail: `update run again: ${r.tasks.length} task(s) rewritten, ${r.calls} call(s) [${r.tag}]` };
    }
    default: {
      const o = i as z.infer<(typeof Inputs)['scope-up']>;
      const r = await scopeUseCase(project, { ...o, direction: run.job === 'scope-up' ? 'up' : 'down' }, ctl);
      return { detail: `${run.job} run again: ${r.tasks.length} task(s) rewritten [${r.tag}]` };
    }
  }
}
