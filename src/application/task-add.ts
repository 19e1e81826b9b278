/**
 * add-task: a new task after the highest id of the tag, written by the model from a prompt (-p) or
 * given by hand (-t/-d, no model). Code sets the id, the status (pending) and the dependencies: the
 * user's --dependencies (each must exist), else the ones the model names among the tasks that exist.
 */
import { ValidationError, abortedError, isAbortError } from '../errors.js';
import { oneLine, projectContext, contextBudget } from '../tasks/context.js';
import { addPrompt, NewTaskSchema, type NewTask } from '../tasks/edit.js';
import { parseTopIdList } from '../tasks/ids.js';
import { findTask, loadTag, type TaskRecord } from '../tasks/store.js';
import { maxTaskId, readTasksFile, writeTag } from '../taskmaster/tasks-file.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';
import {
  askModel,
  knowledgeBackground,
  requirePrompt,
  tagFor,
  type TaskEditCommon,
  type TaskEditEvent,
} from './task-edit-common.js';
import { runTaskJob } from './task-job.js';

export const PRIORITIES = ['high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface AddTaskOptions extends TaskEditCommon {
  /** Manual mode (no model): title and description. */
  title?: string;
  description?: string;
  details?: string;
  testStrategy?: string;
  /** Comma-separated ids of existing tasks (`1,3`). */
  dependencies?: string;
  /** Default: config.json global.defaultPriority, else medium. */
  priority?: Priority;
}

export interface AddTaskResult {
  tag: string;
  path: string;
  id: number;
  task: TaskRecord;
  /** Written by a model (false: manual). */
  ai: boolean;
  model?: string;
  /** Dependencies the model named that are not tasks of the tag (dropped). */
  droppedDependencies: number[];
  calls: number;
  promptTokens: number;
  completionTokens: number;
  durationMs: number;
}

/** Adds one task; bad input (ids, empty prompt, a half-given manual task) fails before any model call. */
export async function addTaskUseCase(
  project: Project,
  o: AddTaskOptions,
  run: RunControls<TaskEditEvent> = {},
): Promise<AddTaskResult> {
  const t0 = Date.now();
  const tag = tagFor(project, o.tag);
  const path = project.paths.tasks;
  const manual = o.prompt === undefined && (o.title !== undefined || o.description !== undefined);
  if (manual && !(o.title?.trim() && o.description?.trim())) {
    throw new ValidationError('a task added by hand needs both --title and --description', {
      hint: 'add-task -t "<title>" -d "<description>", or let the model write it: add-task -p "<what>"',
    });
  }
  const request = manual ? '' : requirePrompt(o.prompt);
  // A tag that does not exist yet is created by the write, as task-master's add-task does.
  const tagTasks = readTasksFile(path)[tag] ? loadTag(path, tag) : { path, tag, tasks: [] as TaskRecord[], tags: [] };
  const userDeps = o.dependencies?.trim()
    ? [...new Set(parseTopIdList(o.dependencies, '--dependencies'))].sort((a, b) => a - b)
    : undefined;
  for (const d of userDeps ?? []) findTask(tagTasks, d);
  const priority = o.priority ?? defaultPriority(project);
  const id = maxTaskId(tagTasks.tasks) + 1;
  const record = (draft: Omit<NewTask, 'dependsOn' | 'priority'>, deps: number[], p: Priority) => ({
    id,
    title: draft.title.trim(),
    description: draft.description.trim(),
    details: draft.details,
    testStrategy: draft.testStrategy,
    status: 'pending',
    dependencies: deps,
    priority: p,
    subtasks: [],
  });
  const write = (task: TaskRecord): TaskRecord => {
    const { tasks } = writeTag(path, { tag, mode: 'append', build: (first) => [{ ...task, id: first }] });
    return tasks[0]!;
  };
  if (manual) {
    const task = write(
      record(
        { title: o.title!, description: o.description!, details: o.details ?? '', testStrategy: o.testStrategy ?? '' },
        userDeps ?? [],
        priority,
      ),
    );
    const n = Number(task.id);
    return {
      tag,
      path,
      id: n,
      task,
      ai: false,
      droppedDependencies: [],
      calls: 0,
      promptTokens: 0,
      completionTokens: 0,
      durationMs: Date.now() - t0,
    };
  }
  const context = projectContext(tagTasks.tasks, tag, contextBudget(8192));
  const promptIds = new Set<string>();
  const existing = new Set(tagTasks.tasks.map((t) => Number(t.id)));
  return runTaskJob<AddTaskResult>(
    project,
    {
      job: 'add-task',
      identity: { tag, prompt: request },
      input: {
        tag,
        prompt: request,
        research: !!o.research,
        ...(o.dependencies ? { dependencies: o.dependencies } : {}),
        ...(o.priority ? { priority: o.priority } : {}),
      },
      report: () => ({
        input: request,
        tasks: 1,
        research: !!o.research,
        strategy: 'prompt',
        promptIds: [...promptIds],
        settings: { research: !!o.research },
      }),
    },
    run as RunControls<unknown>,
    async (scoped) => {
      run.onProgress?.({ type: 'start', id: String(id), title: oneLine(request).slice(0, 60), total: 1 });
      const [background] = o.research ? await knowledgeBackground(scoped, [{ title: request }], run.signal) : [];
      const prompt = addPrompt(context, id, request, background);
      promptIds.add(prompt.promptId);
      const a = await askModel(scoped, 'add-task', prompt, NewTaskSchema, {
        ...(o.research ? { research: true } : {}),
        ...(o.noCache ? { noCache: true } : {}),
        ...(run.signal ? { signal: run.signal } : {}),
      });
      const named = [...new Set(a.value.dependsOn)];
      const deps = userDeps ?? named.filter((d) => existing.has(d)).sort((x, y) => x - y);
      const dropped = userDeps ? [] : named.filter((d) => !existing.has(d));
      const task = write(record(a.value, deps, o.priority ?? a.value.priority ?? priority));
      run.onProgress?.({ type: 'done', id: String(task.id), title: oneLine(task.title), total: 1, changed: 1 });
      return {
        tag,
        path,
        id: Number(task.id),
        task,
        ai: true,
        model: a.model,
        droppedDependencies: dropped,
        calls: 1,
        promptTokens: a.promptTokens,
        completionTokens: a.completionTokens,
        durationMs: Date.now() - t0,
      };
    },
  ).catch((e: unknown) => {
    if (isAbortError(e) || run.signal?.aborted)
      throw abortedError(run.signal, 'add-task was interrupted; nothing was written', 'run it again');
    throw e;
  });
}

function defaultPriority(project: Project): Priority {
  const p = (project.config.raw.global as { defaultPriority?: unknown } | undefined)?.defaultPriority;
  return PRIORITIES.includes(p as Priority) ? (p as Priority) : 'medium';
}
