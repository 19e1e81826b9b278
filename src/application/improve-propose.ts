/** improve: proposals from everything recorded (statistics, then an optional meta-analysis by the local model). */
import { readConfigFile } from '../config/load.js';
import type { ImproveResult } from '../learning/engine.js';
import { configSnapshot } from '../learning/apply.js';
import { probeAdvice } from '../learning/probe-advice.js';
import { LearningRepo } from '../storage/learning-repo.js';
import { improveProbeUseCase, type ImproveProbeOptions, type ImproveProbeResult } from './improve-probe.js';
import { currentRoles, learningEngine } from './learning.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';

/** Whether the local model also analyses the data (default on). */
export interface ImproveProposeOptions {
  meta?: boolean;
  /** Measure the main role's model and its candidates on the fixed validation workload first (`--probe`). */
  probe?: boolean | ImproveProbeOptions;
}

/** The analysis and the proposal set it was saved as (none when nothing is recorded yet: `experiences: 0`). */
export type ImproveProposeResult = ImproveResult & {
  set?: number;
  /** What `--probe` measured. */
  probe?: ImproveProbeResult;
  /** One line when the data cannot settle the main role and `--probe` could. */
  advice?: string;
};

/**
 * Analyses the recorded experiences and saves the proposals as a set (with the config they were computed
 * against, so `improve --apply` refuses if the config changes in between). Nothing is applied.
 */
export async function improveProposeUseCase(
  project: Project,
  o: ImproveProposeOptions = {},
  run: RunControls = {},
): Promise<ImproveProposeResult> {
  const repo = new LearningRepo(project.db());
  const probe = o.probe
    ? await improveProbeUseCase(project, typeof o.probe === 'object' ? o.probe : {}, run)
    : undefined;
  if (!repo.count()) return { experiences: 0, feedbackUpdated: 0, meta: 'off', proposals: [], notes: [], models: {} };
  const r = await learningEngine(project).improve({
    meta: o.meta !== false,
    ...(run.signal ? { signal: run.signal } : {}),
  });
  const set = repo.saveProposals(configSnapshot(readConfigFile(project.paths.config).raw), r.proposals);
  const roles = await currentRoles(project).catch(() => ({}));
  const advice = probeAdvice(r, r.proposals, { main: project.config.roles.main?.modelId, ...roles });
  return { ...r, set, ...(probe ? { probe } : {}), ...(advice ? { advice } : {}) };
}
