/** optimize --resume: a stored run continued after its last finished generation, exactly as it started. */
import { ValidationError } from '../errors.js';
import { jobFromRun } from '../optimize/jobs.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';
import { runJob, type OptimizeEvent, type OptimizeRunResult } from './optimize-run.js';

/** The run to continue; `apply` writes its best settings when it is a models run. */
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
  if (o.apply && job.target !== 'models')
    throw new ValidationError('--apply only works with --target models', {
      hint: `run ${o.runId} is a ${job.target} run`,
    });
  return runJob(project, job, run, !!o.apply);
}
