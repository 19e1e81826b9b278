/** optimize list: the stored optimization runs. */
import { reportOf } from '../optimize/run.js';
import { OptimizeRepo } from '../storage/optimize-repo.js';
import type { Project } from './project.js';

/** Every stored run with its report, newest first. */
export function optimizeListUseCase(project: Project) {
  const repo = new OptimizeRepo(project.db());
  return repo.listRuns().map((run) => ({ run, report: reportOf(repo, run) }));
}
