/** optimize --resume: a stored run continued after its last finished generation, exactly as it started. */
import { ValidationError } from '../errors.js';
import { jobFromRun } from '../optimize/jobs.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';
import { APPLY_TARGETS, runJob, type OptimizeEvent, type OptimizeRunResult } from './optimize-run.js';

/** The run to continue; `apply` writes its best settings (models run) or its best prompt (prompts run). */
export interface OptimizeResumeOptions {
  runId: string;
  apply?: boolean;
}

/** Continues the run (a finished run returns its report unchanged); interrupted again, it throws ABORTED. */
export async function optimizeResumeUseCase(
  project: Project,
  o: OptimizeResumeOptions,
  run: RunControls<OptimizeEvent> = {},
): Promise<OptimizeRunResult> {
  const job = jobFromRun(project.db(), o.runId);
  if (o.apply && !APPLY_TARGETS.includes(job.target))
    throw new ValidationError('--apply only works with --target models or --target prompts', {
      hint: `run ${o.runId} is a ${job.target} run`,
    });
  return runJob(project, job, run, !!o.apply);
}
