/** improve recommend: strategy, model and settings for a new context, from its nearest experiences. */
import { isAbsolute, resolve } from 'node:path';
import { prdContext } from '../learning/features.js';
import type { LearningContext } from '../learning/types.js';
import { LearningRepo } from '../storage/learning-repo.js';
import { readTextFile } from '../util/fs.js';
import { learningEngine } from './learning.js';
import type { Project } from './project.js';

/** The context: given as features, or computed from a PRD file. */
export interface ImproveRecommendOptions {
  taskType: string;
  context?: LearningContext;
  /** A PRD whose features are the context (relative to `cwd`). */
  prdPath?: string;
  /** Similar experiences to use (default 25). */
  k?: number;
  cwd?: string;
}

/** Recommendations ranked by the outcomes of the k most similar experiences; `neighbours: 0` when none is recorded. */
export async function improveRecommendUseCase(project: Project, o: ImproveRecommendOptions) {
  let context = o.context ?? {};
  if (o.prdPath) {
    const path = isAbsolute(o.prdPath) ? o.prdPath : resolve(o.cwd ?? project.paths.root, o.prdPath);
    context = prdContext(readTextFile(path));
  }
  if (!new LearningRepo(project.db()).count(o.taskType)) return { context, neighbours: 0, recommendations: [] };
  const r = await learningEngine(project).getRecommendations(o.taskType, context, { ...(o.k ? { k: o.k } : {}) });
  return { context, ...r };
}
