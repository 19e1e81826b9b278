/** optimize: a run against a spec's fitness, the local-model judge or `--target models`, or a stored run resumed. */
import type { EvaluatorResources } from '../optimize/jobs.js';
import type { Project } from './project.js';

/** What an optimize evaluator may use from the project (the model API only when it is first needed). */
export function evaluatorResources(project: Project, env: NodeJS.ProcessEnv = process.env): EvaluatorResources {
  return { api: () => project.api(), catalog: project.catalog(), config: project.config, db: project.db(), env };
}
