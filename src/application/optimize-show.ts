/** optimize show: one stored run in detail. */
import { reportOf, storedRun } from '../optimize/run.js';
import { OptimizeRepo } from '../storage/optimize-repo.js';
import type { Project } from './project.js';

/** One run: its row, report, generations and failed evaluations (NOT_FOUND for an unknown id). */
export function optimizeShowUseCase(project: Project, o: { runId: string }) {
  const repo = new OptimizeRepo(project.db());
  const { run } = storedRun(project.db(), o.runId);
  return {
    run,
    report: reportOf(repo, run),
    generations: repo.generations(run.id),
    failedEvaluations: repo.failedEvaluations(run.id),
  };
}
