/**
 * What add-task, update-task, update-subtask, update and scope-up/down share: the tag to work on, the
 * prompt check, the model call (structured, validated, re-asked by the model API), and the progress
 * events their views draw.
 */
import type { ZodType } from 'zod';
import type { TaskJob } from '../learning/types.js';
import type { BuiltPrompt } from '../prd/prompts.js';
import { contextBudget, projectContext } from '../tasks/context.js';
import { loadTag, type TagTasks } from '../tasks/store.js';
import { checkPrompt } from '../tasks/targets.js';
import { currentTag } from '../taskmaster/state.js';
import type { TaskRecord } from '../tasks/store.js';
import type { Project } from './project.js';
import { researchBackground } from './research-background.js';

/** Progress of a task edit: one event per task as its model call starts and ends. */
export type TaskEditEvent =
  | { type: 'start'; id: string; title: string; total: number }
  | { type: 'done'; id: string; title: string; total: number; changed: number }
  | { type: 'failed'; id: string; title: string; total: number; error: string };

/** Options every AI task edit takes. */
export interface TaskEditCommon {
  /** The user's request (the change, the new task, the note). */
  prompt?: string;
  /** Use the research role. */
  research?: boolean;
  /** Tag to work on (default: task-master's current tag). */
  tag?: string;
  /** Skip the answer cache. */
  noCache?: boolean;
}

/** The tag the command works on: --tag, else task-master's current tag (state.json), else master. */
export function tagFor(project: Project, tag: string | undefined): string {
  return tag ?? currentTag(project.paths.state);
}

/** The prompt, trimmed; missing or blank is bad input (expand's check, one message for every task command). */
export function requirePrompt(prompt: string | undefined): string {
  checkPrompt(prompt ?? '', '--prompt');
  return prompt!.trim();
}

/** Loads the tag (bad input when the file, the tag or a task's shape is wrong) and its project context. */
export function loadWithContext(project: Project, tag: string): { tagTasks: TagTasks; context: string } {
  const tagTasks = loadTag(project.paths.tasks, tag);
  return { tagTasks, context: projectContext(tagTasks.tasks, tag, contextBudget(8192)) };
}

/** One structured model call of a task job: validated against `schema`, re-asked and recovered by the model API. */
export async function askModel<T>(
  scoped: Project,
  job: TaskJob,
  prompt: BuiltPrompt,
  schema: ZodType<T>,
  o: { research?: boolean; noCache?: boolean; signal?: AbortSignal },
): Promise<{ value: T; model: string; promptTokens: number; completionTokens: number }> {
  const a = await scoped.api().generateObject(
    {
      type: o.research ? 'RESEARCH' : 'PLANNING',
      messages: prompt.messages,
      promptId: prompt.promptId,
      component: job,
      ...(o.noCache ? { noCache: true } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    },
    schema,
  );
  return {
    value: a.value,
    model: a.model.alias ?? a.model.model,
    promptTokens: a.usage.promptTokens,
    completionTokens: a.usage.completionTokens,
  };
}

/**
 * `--research`: knowledge-base passages for each item (its title and description as the query), as
 * expand gathers them; '' for an item with none or an empty knowledge base.
 */
export async function knowledgeBackground(
  project: Project,
  items: readonly TaskRecord[],
  signal?: AbortSignal,
): Promise<string[]> {
  const targets = items.map((task, i) => ({
    id: i + 1,
    task,
    count: 0,
    complexity: 5,
    guidance: [] as { title: string; label: string; text: string }[],
  }));
  await researchBackground(project, targets, signal);
  return targets.map((t) => t.guidance.map((g) => g.text).join('\n\n'));
}
