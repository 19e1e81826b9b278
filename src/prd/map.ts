import type { PlanNode } from './plan.js';

/** A subtask exactly as task-master stores it. */
export interface TmSubtask {
  id: number;
  title: string;
  description: string;
  details: string;
  status: 'pending';
  dependencies: (number | string)[];
  testStrategy: string;
}

/** A task exactly as task-master stores it (required fields per reference §2.2). */
export interface TmTask {
  id: number;
  title: string;
  description: string;
  details: string;
  testStrategy: string;
  priority: 'high' | 'medium' | 'low';
  dependencies: number[];
  status: 'pending';
  subtasks: TmSubtask[];
}

export interface MapOptions {
  /** First task id (1, or highest existing + 1 with --append). */
  firstId: number;
  /** Line appended to every details field (e.g. the structural planner's label). */
  label?: string;
}

/** Never write an empty description: fall back to the title, which is never empty. */
function nonEmpty(text: string, fallback: string): string {
  const t = text.trim();
  return t.length ? t : fallback.trim();
}

/** Nodes below subtask level become a nested markdown checklist, since task-master holds one level. */
export function checklist(nodes: PlanNode[], indent = 0): string {
  const pad = '  '.repeat(indent);
  return nodes
    .map((n) => {
      const line = `${pad}- [ ] ${n.title}: ${nonEmpty(n.description, n.title)}`;
      return n.children.length ? `${line}\n${checklist(n.children, indent + 1)}` : line;
    })
    .join('\n');
}

function withLabel(details: string, label?: string): string {
  return label ? (details ? `${details}\n\n${label}` : label) : details;
}

/**
 * Maps the plan to task-master tasks: ids firstId.., subtask ids 1..m per parent, dependencies
 * as real ids (tasks) or sibling numbers (subtasks), deeper levels rendered into details.
 */
export function toTaskMaster(nodes: PlanNode[], opts: MapOptions): TmTask[] {
  return nodes.map((n, i) => ({
    id: opts.firstId + i,
    title: n.title.trim(),
    description: nonEmpty(n.description, n.title),
    details: withLabel(n.details.trim(), opts.label),
    testStrategy: n.testStrategy.trim(),
    priority: n.priority,
    dependencies: n.deps.map((d) => opts.firstId + d),
    status: 'pending',
    subtasks: n.children.map((c, j) => {
      const deeper = c.children.length ? `\n\nSteps:\n${checklist(c.children)}` : '';
      return {
        id: j + 1,
        title: c.title.trim(),
        description: nonEmpty(c.description, c.title),
        details: withLabel(c.details.trim() + deeper, opts.label).trim(),
        status: 'pending',
        dependencies: c.deps.map((d) => d + 1),
        testStrategy: c.testStrategy.trim(),
      };
    }),
  }));
}
