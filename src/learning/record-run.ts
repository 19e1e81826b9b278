/**
 * The one call commands make when a run ends: record it as an experience. Learning is a side
 * effect and must never cost the user a result, so every failure becomes a note to print.
 */
import type { Project } from '../context.js';
import { MetaLearningEngine } from './engine.js';
import type { WrittenTasks } from './types.js';

/** Where a parse-prd run wrote its tasks: ids and subtask counts, for later feedback. */
export function writtenTasks(tasksPath: string, tag: string, tasks: readonly { id: number | string; subtasks?: readonly unknown[] }[]): WrittenTasks {
  return { tasksPath, tag, subtasks: Object.fromEntries(tasks.map((t) => [String(t.id), t.subtasks?.length ?? 0])) };
}

/** Records a parse-prd run (finished or failed; interrupted runs are skipped); returns a note when something went wrong. */
export async function recordPrdRunSafely(project: Project, runId: string, prdText: string, written?: WrittenTasks): Promise<string | undefined> {
  try {
    const r = await MetaLearningEngine.forProject(project).recordPrdRun(runId, prdText, written);
    return r.note;
  } catch (e) {
    return `experience not recorded: ${(e as Error).message}`;
  }
}
