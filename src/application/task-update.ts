/**
 * update-task, update-subtask and update --from: the model rewrites the text of tasks for a change the
 * user describes (or, with --append and for subtasks, adds a timestamped note to their details). Ids,
 * statuses, dependencies and subtasks marked done stay as they are.
 */
import { ValidationError } from '../errors.js';
import { isFinished, updatePrompt } from '../tasks/edit.js';
import { parseSubId, parseTopId } from '../tasks/ids.js';
import { findTask, loadTag } from '../tasks/store.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';
import { appendInfoJob, type AppendResult } from './task-append.js';
import { requirePrompt, tagFor, type TaskEditCommon, type TaskEditEvent } from './task-edit-common.js';
import { rewriteTasks, type RewriteResult } from './task-rewrite.js';

export interface UpdateTaskOptions extends TaskEditCommon {
  /** A task id (`7`). */
  id: string;
  /** Append a timestamped note to the task's details instead of rewriting it. */
  append?: boolean;
}

/** update-task --id <id> -p <change> [--append]. */
export async function updateTaskUseCase(
  project: Project,
  o: UpdateTaskOptions,
  run: RunControls<TaskEditEvent> = {},
): Promise<RewriteResult | AppendResult> {
  const id = parseTopId(o.id);
  const request = requirePrompt(o.prompt);
  const tag = tagFor(project, o.tag);
  const common = { tag, ...(o.research ? { research: true } : {}), ...(o.noCache ? { noCache: true } : {}) };
  if (o.append)
    return appendInfoJob(project, { job: 'update-task', id: { task: id }, request, append: true, ...common }, run);
  const task = findTask(loadTag(project.paths.tasks, tag), id);
  if (isFinished(task)) {
    throw new ValidationError(`task ${id} is ${String(task.status)}; update-task rewrites unfinished work`, {
      hint: `add a note with --append, or reopen it first: task-master set-status --id ${id} --status pending`,
    });
  }
  return rewriteTasks(
    project,
    {
      job: 'update-task',
      ids: [id],
      prompt: (context, t, background) => updatePrompt(context, t, request, background),
      identity: { ids: [id], prompt: request },
      input: { id: String(id), prompt: request, research: !!o.research },
      strategy: 'rewrite',
      ...common,
    },
    run,
  );
}

/** update-subtask --id <P.S> -p <note>: appends a timestamped note to the subtask's details. */
export async function updateSubtaskUseCase(
  project: Project,
  o: TaskEditCommon & { id: string; now?: () => Date },
  run: RunControls<TaskEditEvent> = {},
): Promise<AppendResult> {
  const id = parseSubId(o.id);
  const request = requirePrompt(o.prompt);
  return appendInfoJob(
    project,
    {
      job: 'update-subtask',
      tag: tagFor(project, o.tag),
      id,
      request,
      ...(o.research ? { research: true } : {}),
      ...(o.noCache ? { noCache: true } : {}),
      ...(o.now ? { now: o.now } : {}),
    },
    run,
  );
}

/** update --from <id> -p <change>: every unfinished task from that id on. */
export async function updateFromUseCase(
  project: Project,
  o: TaskEditCommon & { from: string },
  run: RunControls<TaskEditEvent> = {},
): Promise<RewriteResult> {
  const from = parseTopId(o.from, '--from');
  const request = requirePrompt(o.prompt);
  const tag = tagFor(project, o.tag);
  const { tasks } = loadTag(project.paths.tasks, tag);
  const last = tasks.reduce((m, t) => Math.max(m, Number(t.id)), 0);
  if (from > last) {
    throw new ValidationError(`--from: ${from} is beyond the last task (${last}) of tag "${tag}"`, {
      hint: `give an id from 1 to ${last}; see \`task-master list\``,
    });
  }
  const ids = tasks
    .filter((t) => Number(t.id) >= from && !isFinished(t))
    .map((t) => Number(t.id))
    .sort((a, b) => a - b);
  if (!ids.length) {
    return {
      job: 'update',
      tag,
      path: project.paths.tasks,
      tasks: [],
      models: [],
      calls: 0,
      promptTokens: 0,
      completionTokens: 0,
      durationMs: 0,
    };
  }
  return rewriteTasks(
    project,
    {
      job: 'update',
      tag,
      ids,
      prompt: (context, t, background) => updatePrompt(context, t, request, background),
      identity: { from, prompt: request, ids },
      input: { from: String(from), prompt: request, research: !!o.research },
      strategy: `from${ids.length}`,
      ...(o.research ? { research: true } : {}),
      ...(o.noCache ? { noCache: true } : {}),
    },
    run,
  );
}
