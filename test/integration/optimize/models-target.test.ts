import { afterEach, describe, expect, it } from 'vitest';
import type { Project } from '../../../src/application/project.js';
import { evaluatorResources } from '../../../src/application/optimize-run.js';
import { evaluatorFor, jobForModels } from '../../../src/optimize/jobs.js';
import { VALIDATION_WORKLOAD, applyModelsGenome } from '../../../src/optimize/models-target.js';
import { runOptimization } from '../../../src/optimize/run.js';
import type { ScriptContext } from '../../support/fake-llm-server.js';
import { chats, optRig, type OptRig } from './setup.js';

const MODELS = [
  { name: 'good:latest', contextLength: 32768, family: 'llama' },
  { name: 'breaks:latest', contextLength: 32768, family: 'llama' },
  { name: 'nomic-embed-text:latest', contextLength: 2048, family: 'nomic-bert', embedding: true },
];

let r: OptRig | undefined;
afterEach(async () => {
  await r?.done();
  r = undefined;
});

/** good answers every workload item correctly; breaks answers with JSON that violates the schema. */
function server(ctx: ScriptContext) {
  const q = ctx.messages.at(-1)!.content;
  const item = VALIDATION_WORKLOAD.find((i) => q.includes(i.question));
  if (!item) return undefined;
  return ctx.model.startsWith('good') ? { json: item.expected } : { json: { nonsense: true } };
}

async function runModels(p: Project, overrides: { population?: number; generations?: number } = {}) {
  const job = await jobForModels(p.catalog(), { cwd: p.config.projectRoot, seed: 5, ...overrides });
  const evaluator = await evaluatorFor(job, evaluatorResources(p), () => {});
  return {
    job,
    report: await runOptimization({
      db: p.db(),
      spec: job.spec,
      rawSpec: job.raw,
      target: job.target,
      evaluatorDescription: job.desc,
      evaluator,
    }),
  };
}

describe('--target models against the fake server', () => {
  it('picks the model that answers the validation workload correctly for both roles', async () => {
    r = await optRig({ models: MODELS });
    r.server.script(server);
    const { job, report } = await runModels(r.project, { population: 6, generations: 3 });
    const choice = [...(job.spec.ranges.main_model as unknown as { values: string[] }).values];
    expect(choice.sort()).toEqual(['local-breaks', 'local-good']);
    const best = report.best_individual!;
    expect(best.genome.main_model).toBe('local-good');
    expect(best.genome.research_model).toBe('local-good');
    expect(best.fitness).toBeGreaterThan(0);
    expect(best.fitness).toBeLessThanOrEqual(1);
    // genomes that use the breaking model anywhere score lower than the best
    const bodies = chats(r.server).map(
      (c) => c.body as { model: string; options: { num_ctx: number; temperature: number } },
    );
    expect(bodies.some((b) => b.model === 'breaks:latest')).toBe(true);
    // each genome's num_ctx reached the server
    expect(new Set(bodies.map((b) => b.options.num_ctx)).size).toBeGreaterThan(1);
    for (const b of bodies) expect([2048, 4096, 8192, 16384]).toContain(b.options.num_ctx);
  });

  it('scores a slow model below a fast one with the same answers', async () => {
    r = await optRig({ models: [MODELS[0]!, { name: 'slow:latest', contextLength: 32768, family: 'llama' }] });
    r.server.script((ctx) => {
      const item = VALIDATION_WORKLOAD.find((i) => ctx.messages.at(-1)!.content.includes(i.question));
      return item ? { json: item.expected, ...(ctx.model.startsWith('slow') ? { delayMs: 400 } : {}) } : undefined;
    });
    const job = await jobForModels(r.project.catalog(), { cwd: r.dir });
    const evaluate = await evaluatorFor(job, evaluatorResources(r.project), () => {});
    const results = await evaluate([
      { main_model: 'local-good', research_model: 'local-good', temperature: 0.2, num_ctx: 4096, concurrency: 1 },
      { main_model: 'local-slow', research_model: 'local-slow', temperature: 0.2, num_ctx: 4096, concurrency: 1 },
    ]);
    const [fast, slow] = [results[0]!, results[1]!];
    expect(fast.ok && slow.ok).toBe(true);
    if (fast.ok && slow.ok) {
      expect(fast.details!['local-good']).toMatchObject({ validity: 1 });
      expect(slow.details!['local-slow']).toMatchObject({ validity: 1 });
      expect(fast.fitness).toBeGreaterThan(slow.fitness);
    }
  });

  it('--apply writes roles, temperature, num_ctx and concurrency into config.json in task-master shape', async () => {
    r = await optRig({
      models: MODELS,
      config: {
        models: { main: { provider: 'ollama', modelId: 'breaks', maxTokens: 1234 } },
        global: { logLevel: 'info' },
      },
    });
    const models = await r.project.catalog().chatModels();
    const genome = {
      main_model: 'local-good',
      research_model: 'local-breaks',
      temperature: 0.35,
      num_ctx: 16384,
      concurrency: 3,
    };
    applyModelsGenome(r.project.config, genome, models);
    const c = r.config() as {
      models: Record<string, { provider: string; modelId: string; temperature: number; maxTokens: number }>;
      local: { concurrency: number; registry: Record<string, { model: string; contextLength: number }> };
      global: unknown;
    };
    expect(c.models.main).toMatchObject({
      provider: 'ollama',
      modelId: 'good:latest',
      temperature: 0.35,
      maxTokens: 1234,
    });
    expect(c.models.research).toMatchObject({ provider: 'ollama', modelId: 'breaks:latest', temperature: 0.35 });
    expect(c.local.concurrency).toBe(3);
    expect(c.local.registry['local-good']).toMatchObject({ model: 'good:latest', contextLength: 16384 });
    expect(c.global).toEqual({ logLevel: 'info' });
  });
});
