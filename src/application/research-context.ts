/** The extra context of a research question or loop: the given text plus the named tasks. */
import { parseTaskIds, taskContext } from '../research/tasks.js';
import type { Project } from './project.js';

/** `context` and the tasks of `taskIds` (e.g. `3,4.1`) as one block; undefined when there is none. */
export function researchContext(project: Project, o: { context?: string; taskIds?: string }): string | undefined {
  const tasks = o.taskIds ? taskContext(project.paths, parseTaskIds(o.taskIds)) : undefined;
  return [o.context, tasks].filter(Boolean).join('\n\n') || undefined;
}
