/**
 * The rewrite job behind update-task, update --from and scope-up/down: one model call per task (in
 * parallel up to local.concurrency, each after the shared leading block), then every answer applied in
 * one write under task-master's lock. Only text fields change (src/tasks/edit.ts applyRewrite; scope-up/down
 * also reshape the pending subtasks, src/tasks/scope.ts); a task
 * that is finished by the time of the write is left alone. Any failed call fails the job with nothing
 * written; the answers already given stay in the cache, so running it again asks only the rest.
 */
import { abortedError, isAbortError } from '../errors.js';
import type { TaskJob } from '../learning/types.js';
import type { BuiltPrompt } from '../prd/prompts.js';
import type { ZodType } from 'zod';
import { applyRewrite, isFinished, TaskRewriteSchema } from '../tasks/edit.js';
import { oneLine } from '../tasks/context.js';
import { editTag, findTask, type TaskRecord } from '../tasks/store.js';
import { mapLimit } from '../util/map-limit.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';
import { askModel, knowledgeBackground, loadWithContext, type TaskEditEvent } from './task-edit-common.js';
import { runTaskJob } from './task-job.js';

/** One task of a rewrite: what changed, and subtask ids of the answer that were not pending subtasks. */
export interface RewrittenTask {
  id: string;
  title: string;
  changed: string[];
  ignoredSubtasks: number[];
  /** The task was finished (done, cancelled) by the time of the write, so it was left as it was. */
  skipped?: boolean;
}

export interface RewriteResult {
  job: TaskJob;
  tag: string;
  path: string;
  tasks: RewrittenTask[];
  models: string[];
  calls: number;
  promptTokens: number;
  completionTokens: number;
  durationMs: number;
}

export interface RewriteSpec {
  job: TaskJob;
  tag: string;
  /** Top-level task ids, already checked to exist (bad input is raised before the job starts). */
  ids: number[];
  /** The request of one task's call, after the shared leading block (`background`: --research passages). */
  prompt: (context: string, task: TaskRecord, background?: string) => BuiltPrompt;
  /** What identifies the operation (for runs and experiences): the ids, the request, the strength. */
  identity: Record<string, unknown>;
  /** The use case's options, recorded so that `recover --run` can run it again (resume-task-edits.ts). */
  input: Record<string, unknown>;
  strategy: string;
  research?: boolean;
  noCache?: boolean;
  /**
   * The answer's shape for one task and how it is applied (scope-up/down: the subtask list too);
   * default: the text rewrite of update (TaskRewriteSchema, applyRewrite).
   */
  answer?: AnswerSpec;
}

/** A task's answer schema and its application (what changed, and ids of the answer left alone). */
export interface AnswerSpec {
  schema: (task: TaskRecord) => ZodType<unknown>;
  apply: (task: TaskRecord, answer: never) => { changed: string[]; ignored: number[] };
}

const TEXT_REWRITE: AnswerSpec = { schema: () => TaskRewriteSchema, apply: applyRewrite };

/** Checks the ids against the tag (NOT_FOUND naming the ids there are), then runs the rewrite. */
export async function rewriteTasks(
  project: Project,
  spec: RewriteSpec,
  run: RunControls<TaskEditEvent> = {},
): Promise<RewriteResult> {
  const t0 = Date.now();
  const { tagTasks, context } = loadWithContext(project, spec.tag);
  const targets = spec.ids.map((id) => findTask(tagTasks, id));
  const total = targets.length;
  const models = new Set<string>();
  const usage = { calls: 0, prompt: 0, completion: 0 };
  const promptIds = new Set<string>();
  const input = targets.map((t) => `${oneLine(t.title)} ${oneLine(t.description)} ${oneLine(t.details)}`).join('\n');
  try {
    return await runTaskJob<RewriteResult>(
      project,
      {
        job: spec.job,
        identity: { tag: spec.tag, ...spec.identity },
        input: { tag: spec.tag, ...spec.input },
        report: (r) => ({
          input,
          tasks: total,
          research: !!spec.research,
          strategy: spec.strategy,
          promptIds: [...promptIds],
          settings: {
            tasks: total,
            research: !!spec.research,
            changed: r?.tasks.filter((t) => t.changed.length).length,
          },
        }),
      },
      run as RunControls<unknown>,
      async (scoped) => {
        const concurrency = Math.max(1, project.config.local.concurrency);
        const background = spec.research ? await knowledgeBackground(scoped, targets, run.signal) : [];
        const answers = await mapLimit(targets, concurrency, async (task, i) => {
          const id = oneLine(task.id);
          const title = oneLine(task.title);
          run.onProgress?.({ type: 'start', id, title, total });
          const prompt = spec.prompt(context, task, background[i]);
          promptIds.add(prompt.promptId);
          try {
            const a = await askModel(scoped, spec.job, prompt, (spec.answer ?? TEXT_REWRITE).schema(task), {
              ...(spec.research ? { research: true } : {}),
              ...(spec.noCache ? { noCache: true } : {}),
              ...(run.signal ? { signal: run.signal } : {}),
            });
            models.add(a.model);
            usage.calls++;
            usage.prompt += a.promptTokens;
            usage.completion += a.completionTokens;
            run.onProgress?.({ type: 'done', id, title, total, changed: 0 });
            return a.value;
          } catch (e) {
            run.onProgress?.({ type: 'failed', id, title, total, error: (e as Error).message });
            throw e;
          }
        });
        if (run.signal?.aborted) throw abortedError(run.signal, `${spec.job} was interrupted; nothing was written`);
        const tasks = editTag(project.paths.tasks, spec.tag, (fresh) =>
          spec.ids.map((id, i) =>
            apply(findTask({ ...tagTasks, tasks: fresh }, id), answers[i]!, spec.answer ?? TEXT_REWRITE),
          ),
        );
        return {
          job: spec.job,
          tag: spec.tag,
          path: project.paths.tasks,
          tasks,
          models: [...models],
          calls: usage.calls,
          promptTokens: usage.prompt,
          completionTokens: usage.completion,
          durationMs: Date.now() - t0,
        };
      },
    );
  } catch (e) {
    if (isAbortError(e) || run.signal?.aborted)
      throw abortedError(
        run.signal,
        `${spec.job} was interrupted; nothing was written`,
        'run it again: answers already given come from the cache',
      );
    throw e;
  }
}

function apply(task: TaskRecord, answer: unknown, how: AnswerSpec): RewrittenTask {
  const base = { id: oneLine(task.id), title: oneLine(task.title) };
  if (isFinished(task)) return { ...base, changed: [], ignoredSubtasks: [], skipped: true };
  const { changed, ignored } = how.apply(task, answer as never);
  return { id: base.id, title: oneLine(task.title), changed, ignoredSubtasks: ignored };
}
