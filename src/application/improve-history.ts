/** improve history: applied changes with their measured effect, and the learned-routing summary. */
import { history } from '../learning/apply.js';
import { routingSummary } from '../learning/format.js';
import { LearningRepo } from '../storage/learning-repo.js';
import type { Project } from './project.js';

/** Every applied change (before/after figures of later runs) and what learned routing chose. */
export function improveHistoryUseCase(project: Project) {
  const repo = new LearningRepo(project.db());
  return { changes: history(repo), routing: routingSummary(repo.routeLog(1000)) };
}
