import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { NO_SERVER } from '../../support/fake-server-fixture.js';
import { openProject } from '../../../src/application/project.js';
import { learningEngine } from '../../../src/application/learning.js';
import { LearningRepo } from '../../../src/storage/learning-repo.js';
import { prdExp, stat } from '../../unit/learning/helpers.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({
    models: [
      { name: 'alpha:latest', contextLength: 8192 },
      { name: 'beta:latest', contextLength: 8192 },
    ],
  });
});
afterAll(async () => {
  await server.close();
});

function project(url: string) {
  const root = tempProject({
    '.taskmaster/config.json': JSON.stringify({ models: { main: { provider: 'ollama', modelId: 'alpha:latest' } } }),
  });
  return openProject({ cwd: root, env: { ...NO_SERVER, OLLAMA_HOST: url }, backoffMs: 1 });
}

describe('meta-analysis by the local model', () => {
  it('keeps proposals the data supports and drops the rest with a reason', async () => {
    const p = project(server.url);
    const repo = new LearningRepo(p.db());
    // Too little evidence for the statistics to propose anything on their own.
    repo.insert(prdExp([stat('alpha:latest', 1, 2), stat('beta:latest', 2, 0)]), []);
    const seen: string[] = [];
    server.script((ctx) => {
      if (!ctx.messages[0]?.content.startsWith('You review statistics')) return undefined;
      seen.push(ctx.messages.at(-1)!.content);
      const base = {
        evidence: 'beta:latest 2/2 valid vs alpha:latest 1/3',
        expected_effect: 'fewer re-asks',
        confidence: 0.95,
      };
      return {
        json: {
          proposals: [
            { ...base, kind: 'role-model', target: 'main', value: 'beta:latest' },
            { ...base, kind: 'role-model', target: 'main', value: 'ghost:7b' },
            { ...base, kind: 'setting', target: 'concurrency', value: '999' },
            { ...base, kind: 'advice', target: 'num_ctx', value: '16384', evidence: 'long prompts' },
          ],
        },
      };
    });
    try {
      const r = await learningEngine(p).improve();
      expect(r.meta).toBe('used');
      expect(seen[0]).toContain('"model":"beta:latest"'); // the model saw aggregated statistics
      expect(r.proposals).toEqual([
        expect.objectContaining({
          change: { kind: 'role-model', role: 'main', from: 'alpha:latest', to: 'beta:latest' },
          origin: 'meta-analysis',
          confidence: 0.8,
        }),
      ]);
      const notes = r.notes.join('\n');
      expect(notes).toMatch(/dropped role-model main=ghost:7b: no recorded calls/);
      expect(notes).toMatch(/dropped setting concurrency=999: value out of range/);
      expect(notes).toMatch(/dropped advice num_ctx=16384: its evidence quotes no figure/);
    } finally {
      server.script(undefined);
      p.close();
    }
  }, 30_000);

  it('is skipped with a note when no model is reachable; the statistics still stand', async () => {
    const p = project('http://127.0.0.1:9');
    const repo = new LearningRepo(p.db());
    for (let i = 0; i < 3; i++) repo.insert(prdExp([stat('alpha:latest', 1, 5), stat('beta:latest', 4, 0)]), []);
    const r = await learningEngine(p).improve();
    expect(r.meta).toBe('skipped');
    expect(r.notes.join('\n')).toMatch(/meta-analysis skipped: /);
    expect(r.proposals.map((x) => x.change)).toContainEqual({
      kind: 'role-model',
      role: 'main',
      from: 'alpha:latest',
      to: 'beta:latest',
      provider: 'ollama',
    });
    p.close();
  }, 30_000);
});

describe('roles left to defaults', () => {
  it('judges the model the catalog really uses for an unconfigured main role', async () => {
    const p = openProject({ cwd: tempProject(), env: { ...NO_SERVER, OLLAMA_HOST: server.url } });
    const repo = new LearningRepo(p.db());
    // alpha is the first discovered chat model, so it is the default main model.
    for (let i = 0; i < 3; i++) repo.insert(prdExp([stat('alpha:latest', 1, 5), stat('beta:latest', 4, 0)]), []);
    const r = await learningEngine(p).improve({ meta: false });
    expect(r.proposals.map((x) => x.change)).toContainEqual({
      kind: 'role-model',
      role: 'main',
      from: 'alpha:latest',
      to: 'beta:latest',
      provider: 'ollama',
    });
    p.close();
  }, 30_000);
});
