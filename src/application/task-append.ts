/**
 * update-subtask and update-task --append: the model writes a note for one task or subtask, appended
 * to its details in task-master's timestamped block (`<info added on …>`). Nothing else changes.
 */
import { abortedError, isAbortError } from '../errors.js';
import type { TaskJob } from '../learning/types.js';
import { oneLine } from '../tasks/context.js';
import { AppendInfoSchema, appendInfo, appendPrompt } from '../tasks/edit.js';
import { idText, type TaskId } from '../tasks/ids.js';
import { editTag, findSubtask, findTask, type TagTasks, type TaskRecord } from '../tasks/store.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';
import { askModel, knowledgeBackground, loadWithContext, type TaskEditEvent } from './task-edit-common.js';
import { runTaskJob } from './task-job.js';

export interface AppendResult {
  job: TaskJob;
  tag: string;
  path: string;
  id: string;
  title: string;
  /** The text appended (without the timestamp tags). */
  info: string;
  appendedAt: string;
  model: string;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  durationMs: number;
}

const locate = (t: Pick<TagTasks, 'path' | 'tag' | 'tasks'>, id: TaskId): TaskRecord =>
  id.sub === undefined ? findTask(t, id.task) : findSubtask(t, { task: id.task, sub: id.sub });

/** Asks the model for the note and appends it; `id` is a task or a subtask, already parsed. */
export async function appendInfoJob(
  project: Project,
  o: {
    job: TaskJob;
    tag: string;
    id: TaskId;
    request: string;
    research?: boolean;
    noCache?: boolean;
    /** update-task --append (recorded so a resumed run appends again rather than rewrites). */
    append?: boolean;
    now?: () => Date;
  },
  run: RunControls<TaskEditEvent> = {},
): Promise<AppendResult> {
  const t0 = Date.now();
  const { tagTasks, context } = loadWithContext(project, o.tag);
  const item = locate(tagTasks, o.id);
  const id = idText(o.id);
  const parent = o.id.sub === undefined ? undefined : findTask(tagTasks, o.id.task);
  const label = parent ? `Subtask ${id} (of task ${o.id.task}: ${oneLine(parent.title)})` : `Task ${id}`;
  const title = oneLine(item.title);
  const promptIds = new Set<string>();
  try {
    return await runTaskJob<AppendResult>(
      project,
      {
        job: o.job,
        identity: { tag: o.tag, id, prompt: o.request },
        input: { tag: o.tag, id, prompt: o.request, research: !!o.research, ...(o.append ? { append: true } : {}) },
        report: () => ({
          input: `${title} ${oneLine(item.details)} ${o.request}`,
          tasks: 1,
          research: !!o.research,
          strategy: 'append',
          promptIds: [...promptIds],
          settings: { research: !!o.research },
        }),
      },
      run as RunControls<unknown>,
      async (scoped) => {
        run.onProgress?.({ type: 'start', id, title, total: 1 });
        const [background] = o.research ? await knowledgeBackground(scoped, [item], run.signal) : [];
        const prompt = appendPrompt(context, item, label, o.request, background);
        promptIds.add(prompt.promptId);
        const a = await askModel(scoped, o.job, prompt, AppendInfoSchema, {
          ...(o.research ? { research: true } : {}),
          ...(o.noCache ? { noCache: true } : {}),
          ...(run.signal ? { signal: run.signal } : {}),
        });
        run.onProgress?.({ type: 'done', id, title, total: 1, changed: 1 });
        if (run.signal?.aborted) throw abortedError(run.signal, `${o.job} was interrupted; nothing was written`);
        const now = o.now?.() ?? new Date();
        editTag(project.paths.tasks, o.tag, (fresh) =>
          appendInfo(locate({ ...tagTasks, tasks: fresh }, o.id), a.value.info, now),
        );
        return {
          job: o.job,
          tag: o.tag,
          path: project.paths.tasks,
          id,
          title,
          info: a.value.info.trim(),
          appendedAt: now.toISOString(),
          model: a.model,
          calls: 1,
          promptTokens: a.promptTokens,
          completionTokens: a.completionTokens,
          durationMs: Date.now() - t0,
        };
      },
    );
  } catch (e) {
    if (isAbortError(e) || run.signal?.aborted)
      throw abortedError(run.signal, `${o.job} was interrupted; nothing was written`, 'run it again');
    throw e;
  }
}
