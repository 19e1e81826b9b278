import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALIDATION_WORKLOAD } from '../../src/optimize/models-target.js';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({
    models: [
      { name: 'good:latest', contextLength: 32768, family: 'llama' },
      { name: 'breaks:latest', contextLength: 32768, family: 'llama' },
    ],
  });
  server.script((ctx) => {
    const q = ctx.messages.at(-1)!.content;
    const item = VALIDATION_WORKLOAD.find((i) => q.includes(i.question));
    if (item) return ctx.model.startsWith('good') ? { json: item.expected } : { content: '{"answer": ' };
    const m = /Candidate configuration:\n(\{[\s\S]*?\n\})/.exec(q);
    if (!m) return undefined;
    const g = JSON.parse(m[1]!) as { workers: number; mode: string };
    return {
      json: { score: (g.mode === 'fast' ? 0.5 : 0) + g.workers / 20, rationale: `${g.workers} workers, ${g.mode}` },
    };
  });
});
afterAll(() => server.close());

const config = JSON.stringify({ local: { discover: ['ollama'], retries: 0 } });
const env = () => ({ OLLAMA_HOST: server.url });

describe('optimize with local models (CLI, fake server)', () => {
  it('a YAML spec with evaluation_criteria and optimization_goal is judged by the model', async () => {
    const spec = [
      'genome: {workers: 2, mode: safe}',
      'ranges:',
      '  workers: {type: int, min: 1, max: 10}',
      '  mode: {type: choice, values: [safe, fast, balanced]}',
      'population_size: 6',
      'max_generations: 5',
      'evaluation_criteria: [throughput, stability]',
      'optimization_goal: process the queue quickly',
    ].join('\n');
    const cwd = tempProject({ '.taskmaster/config.json': config, 'spec.yaml': spec });
    const r = await runCli(['optimize', 'spec.yaml', '--json'], { cwd, env: env() });
    expect(r.stderr).toBe('');
    const rep = JSON.parse(r.stdout) as {
      best_individual: { genome: { workers: number; mode: string }; fitness: number };
      generations: unknown[];
    };
    expect(rep.best_individual.genome.mode).toBe('fast');
    expect(rep.best_individual.fitness).toBeGreaterThanOrEqual(0.8);
    expect(rep.generations.length).toBeGreaterThan(0);
  }, 60_000);

  it('--target models --apply picks the valid model and writes it to config.json', async () => {
    const cwd = tempProject({ '.taskmaster/config.json': config });
    const r = await runCli(['optimize', '--target', 'models', '--population', '4', '--generations', '2', '--apply'], {
      cwd,
      env: env(),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/main_model\s+= "local-good"/);
    expect(r.stdout).toContain('wrote to');
    const c = JSON.parse(readFileSync(join(cwd, '.taskmaster', 'config.json'), 'utf8')) as {
      models: { main: { modelId: string }; research: { modelId: string } };
      local: { concurrency: number };
    };
    expect(c.models.main.modelId).toBe('good:latest');
    expect(c.models.research.modelId).toBe('good:latest');
    expect(c.local.concurrency).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('--target models with no server says so', async () => {
    const cwd = tempProject({ '.taskmaster/config.json': config });
    const r = await runCli(['optimize', '--target', 'models'], { cwd });
    expectOneErrorLine(r, { code: 4, match: /^error: no chat model found on the configured servers/ });
  });
});
