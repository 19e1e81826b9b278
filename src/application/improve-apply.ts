/** improve --apply: a proposal set applied to config.json (after a backup), each change tracked as an experiment. */
import { join } from 'node:path';
import { readConfigFile } from '../config/load.js';
import { ValidationError } from '../errors.js';
import { applyProposals, configSnapshot } from '../learning/apply.js';
import { LearningRepo } from '../storage/learning-repo.js';
import { learningEngine } from './learning.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';

/** Which set: the latest (default), or `set`; with no pending set, fresh proposals are made first. */
export interface ImproveApplyOptions {
  set?: number;
  /** Meta-analysis when fresh proposals are made (default on). */
  meta?: boolean;
}

/** What was applied (with the backup path) and the advice that is not a config setting. */
export type ImproveApplyResult = { experiences: 0 } | ({ set: number } & Awaited<ReturnType<typeof applyProposals>>);

/** Applies the set; refuses (CONFLICT, with the diff) when config.json changed since it was proposed. */
export async function improveApplyUseCase(
  project: Project,
  o: ImproveApplyOptions = {},
  run: RunControls = {},
): Promise<ImproveApplyResult> {
  const repo = new LearningRepo(project.db());
  const raw = readConfigFile(project.paths.config).raw;
  const pending = o.set !== undefined ? repo.proposalSet(o.set) : repo.proposalSet();
  if (o.set !== undefined && !pending)
    throw new ValidationError(`--set ${o.set}: no such proposal set`, {
      hint: 'run `task-master-local improve` to make one',
    });
  let set = pending && !pending.applied ? pending : undefined;
  if (!set) {
    if (!repo.count()) return { experiences: 0 };
    const r = await learningEngine(project).improve({
      meta: o.meta !== false,
      ...(run.signal ? { signal: run.signal } : {}),
    });
    const config = configSnapshot(raw);
    set = { id: repo.saveProposals(config, r.proposals), config, proposals: r.proposals, ts: '', applied: false };
  }
  const res = await applyProposals(set, {
    repo,
    configPath: project.paths.config,
    backupDir: join(project.paths.taskmasterDir, 'backups'),
    raw,
    trustedHosts: project.config.local.trustedHosts,
    resolveModel: (id) => project.catalog().resolve(id),
  });
  return { set: set.id, ...res };
}
