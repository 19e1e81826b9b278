/** optimize --apply: the best settings of a models run written into config.json, or the best prompt of a prompts run. */
import { ValidationError } from '../errors.js';
import { chatModelsOf } from '../optimize/jobs.js';
import { applyModelsGenome } from '../optimize/models-target.js';
import { reportOf, storedRun } from '../optimize/run.js';
import { OptimizeRepo } from '../storage/optimize-repo.js';
import type { Genome } from '../optimize/types.js';
import type { Project } from './project.js';
import { applyPromptRun } from './prompt-tuning.js';

/**
 * Writes the best genome of models run `runId` (roles, temperature, num_ctx, concurrency) and returns
 * the roles written; of a prompts run, writes the winner as a project prompt and returns what it wrote.
 */
export async function optimizeApplyUseCase(
  project: Project,
  o: { runId: string },
): Promise<{ runId: string; applied: Record<string, unknown> }> {
  const { run, evaluator } = storedRun(project.db(), o.runId);
  if (run.target !== 'models' && run.target !== 'prompts')
    throw new ValidationError('--apply only works with --target models or --target prompts', {
      hint: `run ${o.runId} is a ${run.target} run`,
    });
  if (!run.best_genome)
    throw new ValidationError(`run ${o.runId} has no successful evaluation to apply`, {
      hint: `continue it with \`task-master-local optimize --resume ${o.runId}\``,
    });
  if (run.target === 'prompts') {
    const applied = applyPromptRun(project, evaluator, reportOf(new OptimizeRepo(project.db()), run));
    return { runId: o.runId, applied: { ...applied } };
  }
  const genome = JSON.parse(run.best_genome) as Genome;
  const applied = applyModelsGenome(project.config, genome, await chatModelsOf(project.catalog()));
  return { runId: o.runId, applied };
}
