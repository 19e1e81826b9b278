/** improve record: one experience added by hand. */
import type { LearningAction, LearningContext, LearningOutcome, LearningTaskType } from '../learning/types.js';
import { learningEngine } from './learning.js';
import type { Project } from './project.js';

/** The experience: task type, outcome, and optionally its context and action. */
export interface ImproveRecordOptions {
  taskType: LearningTaskType;
  outcome: LearningOutcome;
  context?: LearningContext;
  action?: LearningAction;
}

/** Stores the experience (its context embedded offline, and by the embedding model when one answers). */
export async function improveRecordUseCase(project: Project, o: ImproveRecordOptions) {
  return learningEngine(project).record({
    taskType: o.taskType,
    source: 'manual',
    context: o.context ?? {},
    action: o.action ?? {},
    outcome: o.outcome,
  });
}
