/**
 * `recover --run` for add-task, update-task, update-subtask, update and scope-up/down: the failed run
 * is run again through its use case from the options it recorded. Answers given before the failure come
 * from the cache, so only the calls that failed are asked again.
 */
import { z } from 'zod';
import { resumer, type Resumer } from './resumer.js';
import { addTaskUseCase, PRIORITIES } from './task-add.js';
import { scopeUseCase } from './task-scope.js';
import { updateFromUseCase, updateSubtaskUseCase, updateTaskUseCase } from './task-update.js';

const Common = z.object({ tag: z.string(), prompt: z.string().optional(), research: z.boolean().optional() });
const Scope = Common.extend({ ids: z.string(), strength: z.enum(['light', 'regular', 'heavy']).optional() });
const scope = (direction: 'up' | 'down') =>
  resumer(Scope, async (project, i, ctl) => {
    const r = await scopeUseCase(project, { ...i, direction }, ctl);
    return { detail: `scope-${direction} run again: ${r.tasks.length} task(s) rewritten [${r.tag}]` };
  });

/** recover --run's resumers of the task-edit jobs. */
export const TASK_EDIT_RESUMERS: Record<string, Resumer> = {
  'add-task': resumer(
    Common.extend({ dependencies: z.string().optional(), priority: z.enum(PRIORITIES).optional() }),
    async (project, i, ctl) => {
      const r = await addTaskUseCase(project, i, ctl);
      return { detail: `add-task run again: task ${r.id} added to ${r.path} [${r.tag}]` };
    },
  ),
  'update-task': resumer(Common.extend({ id: z.string(), append: z.boolean().optional() }), async (project, i, ctl) => {
    const r = await updateTaskUseCase(project, i, ctl);
    return {
      detail: `update-task run again: ${'info' in r ? `note appended to ${r.id}` : `${r.tasks.length} task(s) rewritten`} [${r.tag}]`,
    };
  }),
  'update-subtask': resumer(Common.extend({ id: z.string() }), async (project, i, ctl) => {
    const r = await updateSubtaskUseCase(project, i, ctl);
    return { detail: `update-subtask run again: note appended to ${r.id} [${r.tag}]` };
  }),
  update: resumer(Common.extend({ from: z.string() }), async (project, i, ctl) => {
    const r = await updateFromUseCase(project, i, ctl);
    return { detail: `update run again: ${r.tasks.length} task(s) rewritten, ${r.calls} call(s) [${r.tag}]` };
  }),
  'scope-up': scope('up'),
  'scope-down': scope('down'),
};
