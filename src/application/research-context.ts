/** The extra context of a research question or loop: the given text, the named tasks, files and the project tree. */
import { fileContext, projectTree } from '../research/project-context.js';
import { parseTaskIds, taskContext } from '../research/tasks.js';
import type { Project } from './project.js';

/** What task-master's research takes as context (`--context`, `--id`, `--files`, `--tree`). */
export interface ResearchContextOptions {
  context?: string;
  /** Tasks such as `3,4.1`. */
  taskIds?: string;
  /** Files (relative to the project root) whose contents join the context. */
  files?: readonly string[];
  /** Include the project's file tree. */
  tree?: boolean;
}

/** The context blocks as one; undefined when there is none. Bad ids or files fail before any model call. */
export function researchContext(project: Project, o: ResearchContextOptions): string | undefined {
  const root = project.config.projectRoot;
  const tasks = o.taskIds ? taskContext(project.paths, parseTaskIds(o.taskIds)) : undefined;
  const files = o.files?.length ? fileContext(root, o.files) : undefined;
  const tree = o.tree ? `Project tree:\n${projectTree(root)}` : undefined;
  return [o.context, tasks, files, tree].filter(Boolean).join('\n\n') || undefined;
}
