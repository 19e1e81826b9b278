/** scope-up / scope-down: the model rewrites tasks to a larger or smaller scope, as task-master does. */
import { ValidationError } from '../errors.js';
import { isFinished, scopePrompt, type ScopeDirection, type ScopeStrength } from '../tasks/edit.js';
import { parseTopIdList } from '../tasks/ids.js';
import { findTask, loadTag } from '../tasks/store.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';
import { tagFor, type TaskEditCommon, type TaskEditEvent } from './task-edit-common.js';
import { rewriteTasks, type RewriteResult } from './task-rewrite.js';

export interface ScopeOptions extends TaskEditCommon {
  /** Comma-separated task ids (`1,3`). */
  ids: string;
  direction: ScopeDirection;
  /** light, regular (default) or heavy. */
  strength?: ScopeStrength;
}

/** Rewrites each task's text and its pending subtasks' text; ids, statuses, dependencies and done subtasks stay. */
export async function scopeUseCase(
  project: Project,
  o: ScopeOptions,
  run: RunControls<TaskEditEvent> = {},
): Promise<RewriteResult> {
  const ids = [...new Set(parseTopIdList(o.ids, '--id'))];
  const strength = o.strength ?? 'regular';
  const request = o.prompt?.trim() || undefined;
  const tag = tagFor(project, o.tag);
  const job = o.direction === 'up' ? 'scope-up' : 'scope-down';
  const tagTasks = loadTag(project.paths.tasks, tag);
  for (const id of ids) {
    const t = findTask(tagTasks, id);
    if (isFinished(t)) {
      throw new ValidationError(`task ${id} is ${String(t.status)}; ${job} rescopes unfinished work`, {
        hint: `leave it out of --id, or reopen it first: task-master set-status --id ${id} --status pending`,
      });
    }
  }
  return rewriteTasks(
    project,
    {
      job,
      tag,
      ids,
      prompt: (context, t, background) => scopePrompt(context, t, o.direction, strength, request, background),
      identity: { ids, strength, prompt: request ?? null },
      input: {
        ids: ids.join(','),
        direction: o.direction,
        strength,
        ...(request ? { prompt: request } : {}),
        research: !!o.research,
      },
      strategy: strength,
      ...(o.research ? { research: true } : {}),
      ...(o.noCache ? { noCache: true } : {}),
    },
    run,
  );
}
