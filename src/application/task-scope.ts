/** scope-up / scope-down: the model rewrites tasks to a larger or smaller scope, as task-master does. */
import { ValidationError } from '../errors.js';
import { isFinished } from '../tasks/edit.js';
import { entryFor, readReport, reportPath } from '../tasks/report.js';
import {
  applyScope,
  isPendingSubtask,
  scopePrompt,
  scopeSchema,
  scopeTarget,
  type ScopeDirection,
  type ScopeStrength,
} from '../tasks/scope.js';
import { parseTopIdList } from '../tasks/ids.js';
import { findTask, loadTag, subtasksOf, type TaskRecord } from '../tasks/store.js';
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

/**
 * Rewrites each task's text, and its pending subtasks to the new scope: kept by id (rescoped), added or
 * dropped toward task-master's target count. Ids, statuses and dependencies stay; subtasks that are not
 * pending are never changed or dropped.
 */
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
  // The complexity report's score (when the tag has one) steers how far the subtask count moves.
  const report = readReport(reportPath(project.paths.taskmasterDir, tag));
  const target = (t: TaskRecord) => {
    const subs = subtasksOf(t);
    const pending = subs.filter(isPendingSubtask).length;
    const score = entryFor(report, Number(t.id))?.complexityScore;
    return scopeTarget(subs.length - pending, pending, o.direction, strength, score);
  };
  return rewriteTasks(
    project,
    {
      job,
      tag,
      ids,
      prompt: (context, t, background) =>
        scopePrompt(context, t, {
          direction: o.direction,
          strength,
          target: target(t),
          ...(request ? { request } : {}),
          ...(background ? { background } : {}),
        }),
      answer: { schema: (t) => scopeSchema(target(t)), apply: applyScope },
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
