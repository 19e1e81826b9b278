/** optimize --apply: the best settings of a models run written into config.json. */
import { ValidationError } from '../errors.js';
import { chatModelsOf } from '../optimize/jobs.js';
import { applyModelsGenome } from '../optimize/models-target.js';
import { storedRun } from '../optimize/run.js';
import type { Genome } from '../optimize/types.js';
import type { Project } from './project.js';

/** Writes the best genome of models run `runId` (roles, temperature, num_ctx, concurrency); returns the roles written. */
export async function optimizeApplyUseCase(
  project: Project,
  o: { runId: string },
): Promise<{ runId: string; applied: Record<string, unknown> }> {
  const { run } = storedRun(project.db(), o.runId);
  if (run.target !== 'models')
    throw new ValidationError('--apply only works with --target models', {
      hint: `run ${o.runId} is a ${run.target} run`,
    });
  if (!run.best_genome)
    throw new ValidationError(`run ${o.runId} has no successful evaluation to apply`, {
      hint: `continue it with \`task-master-local optimize --resume ${o.runId}\``,
    });
  const genome = JSON.parse(run.best_genome) as Genome;
  const applied = applyModelsGenome(project.config, genome, await chatModelsOf(project.catalog()));
  return { runId: o.runId, applied };
}
