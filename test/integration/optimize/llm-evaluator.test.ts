import { afterEach, describe, expect, it } from 'vitest';
import { LocalLLMFitnessEvaluator } from '../../../src/optimize/llm-evaluator.js';
import { runOptimization } from '../../../src/optimize/run.js';
import { validateSpec } from '../../../src/optimize/spec.js';
import { OptimizeRepo } from '../../../src/storage/optimize-repo.js';
import { chats, optRig, type OptRig } from './setup.js';

const RAW = {
  genome: { batch_size: 10, cache_enabled: false },
  ranges: { batch_size: { type: 'int', min: 1, max: 100 }, cache_enabled: { type: 'bool' } },
  population_size: 6,
  max_generations: 4,
  seed: 3,
  evaluation_criteria: ['throughput', 'memory use'],
  optimization_goal: 'fast batch processing',
};

let r: OptRig | undefined;
afterEach(async () => {
  await r?.done();
  r = undefined;
});

/** The judge's script: reads the candidate from the prompt and scores big batches with cache highest. */
function judge(content: string) {
  const m = /Candidate configuration:\n(\{[\s\S]*?\n\})/.exec(content);
  const g = JSON.parse(m![1]!) as { batch_size: number; cache_enabled: boolean };
  return { score: (g.batch_size / 100) * (g.cache_enabled ? 1 : 0.5), rationale: `batch ${g.batch_size}` };
}

describe('LocalLLMFitnessEvaluator against the fake server', () => {
  it('scores genomes through the model API with {score, rationale}, and a re-run is served from the cache', async () => {
    r = await optRig();
    r.server.script((ctx) => ({ json: judge(ctx.messages.at(-1)!.content) }));
    const spec = validateSpec(RAW);
    const mk = () =>
      new LocalLLMFitnessEvaluator(r!.project.api(), {
        evaluationCriteria: RAW.evaluation_criteria,
        optimizationGoal: RAW.optimization_goal,
        ranges: spec.ranges,
      });
    const first = await mk().evaluate({ batch_size: 80, cache_enabled: true });
    expect(first).toMatchObject({ ok: true, fitness: 0.8, details: { rationale: 'batch 80', cached: false } });
    const body = chats(r.server)[0]!.body as {
      messages: { content: string }[];
      format: { properties: Record<string, unknown> };
    };
    expect(Object.keys(body.format.properties).sort()).toEqual(['rationale', 'score']);
    expect(body.messages.at(-1)!.content).toContain('Optimization goal: fast batch processing');
    expect(body.messages.at(-1)!.content).toContain('- memory use');
    expect(body.messages.at(-1)!.content).toContain('- batch_size: int from 1 to 100');

    const run = () =>
      runOptimization({
        db: r!.project.db(),
        spec,
        rawSpec: RAW,
        target: 'llm',
        evaluatorDescription: { type: 'llm' },
        evaluator: mk().evaluator(),
      });
    const a = await run();
    expect(a.best_individual!.genome.cache_enabled).toBe(true);
    expect(a.best_individual!.fitness).toBeGreaterThan(0.5);
    const asked = chats(r.server).length;
    const b = await run();
    expect(chats(r.server).length).toBe(asked);
    expect(b.best_individual).toEqual(a.best_individual);
    expect(b.generations).toEqual(a.generations);
  });

  it('an answer outside 0..1 is a failed evaluation with the reason, not a score', async () => {
    r = await optRig();
    r.server.script(() => ({ json: { score: 7, rationale: 'too good' } }));
    const spec = validateSpec(RAW);
    const e = new LocalLLMFitnessEvaluator(r.project.api(), {
      evaluationCriteria: 'x',
      optimizationGoal: 'y',
      ranges: spec.ranges,
    });
    const res = await e.evaluate({ batch_size: 5, cache_enabled: true });
    expect(res.ok).toBe(false);
    expect(!res.ok && res.error).toMatch(/^judge failed: /);
  });

  it('an unreachable server stops the run with the provider error; the run is stored as failed', async () => {
    r = await optRig();
    await r.server.close();
    const spec = validateSpec(RAW);
    const e = new LocalLLMFitnessEvaluator(r.project.api(), {
      evaluationCriteria: 'x',
      optimizationGoal: 'y',
      ranges: spec.ranges,
    });
    const run = runOptimization({
      db: r.project.db(),
      spec,
      rawSpec: RAW,
      target: 'llm',
      evaluatorDescription: { type: 'llm' },
      evaluator: e.evaluator(),
    });
    await expect(run).rejects.toMatchObject({ message: expect.stringMatching(/^optimization run opt-\w+: /) });
    const runs = new OptimizeRepo(r.project.db()).listRuns();
    expect(runs[0]!.status).toBe('failed');
  });
});
