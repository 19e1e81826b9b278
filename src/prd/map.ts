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
    subtasks: toTaskMasterSubtasks(n.children, { firstId: 1, label: opts.label }),
  }));
}

/**
 * Maps a node's children to task-master subtasks with ids firstId.. (1, or after the existing
 * subtasks when `expand` appends), dependencies as sibling ids, deeper levels as a checklist in details.
 */
export function toTaskMasterSubtasks(children: PlanNode[], opts: MapOptions): TmSubtask[] {
  return children.map((c, j) => {
    const deeper = c.children.length ? `\n\nSteps:\n${checklist(c.children)}` : '';
    return {
      id: opts.firstId + j,
      title: c.title.trim(),
      description: nonEmpty(c.description, c.title),
      details: withLabel(c.details.trim() + deeper, opts.label).trim(),
      status: 'pending',
      dependencies: c.deps.map((d) => d + opts.firstId),
      testStrategy: c.testStrategy.trim(),
    };
  });
}
