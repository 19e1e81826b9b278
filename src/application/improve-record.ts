/** improve record: one experience added by hand. */
import { ValidationError } from '../errors.js';
import {
  learningTaskTypesText,
  parseLearningTaskType,
  type LearningAction,
  type LearningContext,
  type LearningOutcome,
  type LearningTaskType,
} from '../learning/types.js';
import { learningEngine } from './learning.js';
import type { Project } from './project.js';

/** The experience: task type, outcome, and optionally its context and action. */
export interface ImproveRecordOptions {
  /** Ours (parse_prd, research, other) or the specification's (task_decomposition, diagnosis, …). */
  taskType: LearningTaskType | string;
  outcome: LearningOutcome;
  context?: LearningContext;
  action?: LearningAction;
}

/** Stores the experience (its context embedded offline, and by the embedding model when one answers). */
export async function improveRecordUseCase(project: Project, o: ImproveRecordOptions) {
  const t = toLearningTaskType(o.taskType);
  const r = await learningEngine(project).record({
    taskType: t.type,
    source: 'manual',
    context: { ...(t.kind ? { taskKind: t.kind } : {}), ...(o.context ?? {}) },
    action: o.action ?? {},
    outcome: o.outcome,
  });
  return { ...r, taskType: t.type, ...(t.kind ? { taskKind: t.kind } : {}) };
}

/** Our task type for a given name, or a ValidationError listing the accepted ones. */
export function toLearningTaskType(name: string): { type: LearningTaskType; kind?: string } {
  const t = parseLearningTaskType(name);
  if (!t) {
    throw new ValidationError(`unknown task type '${name}'`, { hint: `task types: ${learningTaskTypesText()}` });
  }
  return t;
}
