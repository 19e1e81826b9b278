/**
 * Learning wired to a project: the engine on its database, config and model API, and the one call
 * a use case makes when a run ends (record it as an experience). Learning is a side effect and must
 * never cost the user a result, so every failure becomes a note.
 */
import { MetaLearningEngine, withOutcomes } from '../learning/engine.js';
import type { CurrentRoles } from '../learning/proposals.js';
import {
  researchExperience,
  taskJobExperience,
  type ResearchRunFacts,
  type TaskJobFacts,
} from '../learning/record-run.js';
import type { WrittenTasks } from '../learning/types.js';
import { LearningRepo } from '../storage/learning-repo.js';
import type { Project } from './project.js';

/** The model ids the main and research roles really use (the catalog's effective roles). */
export async function currentRoles(p: Project): Promise<CurrentRoles> {
  const r = await p.catalog().effectiveRoles();
  return {
    ...(r.main.ref ? { main: r.main.ref.model } : {}),
    ...(r.research.ref ? { research: r.research.ref.model } : {}),
  };
}

/** A MetaLearningEngine on a project's database, config and (unless `useModel` is false) model API. */
export function learningEngine(p: Project, opts: { useModel?: boolean } = {}): MetaLearningEngine {
  return new MetaLearningEngine({
    repo: new LearningRepo(p.db()),
    config: p.config,
    roles: () => currentRoles(p),
    ...(opts.useModel === false ? {} : { api: p.api() }),
  });
}

/** Records a parse-prd run (finished or failed; interrupted runs are skipped); returns a note when something went wrong. */
export async function recordPrdRunSafely(
  project: Project,
  runId: string,
  prdText: string,
  written?: WrittenTasks,
): Promise<string | undefined> {
  try {
    const r = await learningEngine(project).recordPrdRun(runId, prdText, written, project.attempts);
    project.attempts.reset();
    return r.note;
  } catch (e) {
    return `experience not recorded: ${(e as Error).message}`;
  }
}

/** Records one research question (its calls are found by the project's run id); returns a note when something went wrong. */
export async function recordResearchRunSafely(
  project: Project,
  f: ResearchRunFacts,
  o: { k: number; selfCheck: boolean; offline?: boolean },
): Promise<string | undefined> {
  try {
    const repo = new LearningRepo(project.db());
    const stats = withOutcomes(project.runId ? repo.runModelStats(project.runId) : [], project.attempts);
    project.attempts.reset();
    // --offline promises no model calls: the context is then embedded offline only.
    const r = await learningEngine(project, { useModel: !o.offline }).record(
      researchExperience(f, { ...o, ...(project.runId ? { runId: project.runId } : {}) }, stats),
    );
    return r.note;
  } catch (e) {
    return `experience not recorded: ${(e as Error).message}`;
  }
}

/** Records one run of a task command (its calls are found by its run id); returns a note when something went wrong. */
export async function recordTaskJobSafely(
  project: Project,
  f: TaskJobFacts,
  o: { useModel: boolean },
): Promise<string | undefined> {
  try {
    const repo = new LearningRepo(project.db());
    const stats = withOutcomes(repo.runModelStats(f.runId), project.attempts);
    project.attempts.reset();
    const r = await learningEngine(project, { useModel: o.useModel }).record(taskJobExperience(f, stats));
    return r.note;
  } catch (e) {
    return `experience not recorded: ${(e as Error).message}`;
  }
}
