import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const PRD = readFileSync(new URL('../../.taskmaster/docs/prd.txt', import.meta.url), 'utf8');
const MODELS = [
  { name: 'model-a:latest', contextLength: 8192, family: 'llama' },
  { name: 'model-b:latest', contextLength: 8192, family: 'qwen' },
  { name: 'nomic-embed-text:latest', contextLength: 2048, family: 'nomic-bert', embedding: true },
];
const config = (main: string) =>
  JSON.stringify(
    {
      models: { main: { provider: 'ollama', modelId: main, maxTokens: 4096, temperature: 0.2 } },
      global: { projectName: 'learn' },
    },
    null,
    2,
  );

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ models: MODELS });
});
afterAll(async () => {
  await server.close();
});
const env = () => ({ OLLAMA_HOST: server.url });
const mainModel = (cwd: string) =>
  JSON.parse(readFileSync(join(cwd, '.taskmaster/config.json'), 'utf8')).models.main.modelId as string;

describe('improve (CLI, fake server)', () => {
  it('says there is nothing to learn from yet, with the commands to run', async () => {
    const cwd = tempProject({ '.taskmaster/config.json': config('model-a:latest') });
    const r = await runCli(['improve'], { cwd, env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no experiences recorded yet: run `task-master-local parse-prd`/);
    const j = await runCli(['improve', '--json'], { cwd, env: env() });
    expect(JSON.parse(j.stdout)).toMatchObject({ experiences: 0, proposals: [] });
    const h = await runCli(['improve', 'history'], { cwd, env: env() });
    expect(h.stdout).toMatch(/no changes applied yet/);
  }, 60_000);

  it('learns that the main model breaks the schema: proposes the other model from recorded runs, applies it, refuses a changed config', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD, '.taskmaster/config.json': config('model-a:latest') });
    const rng = mulberry32(7);
    // A breaks the schema 60% of the time, B never; which one is "good" is only in the answers.
    server.script((ctx) =>
      ctx.schema && ctx.model.startsWith('model-a') && rng() < 0.6 ? { content: '{"unexpected": true}' } : undefined,
    );
    try {
      for (let i = 0; i < 3; i++) {
        const r = await runCli(['parse-prd', '--no-cache', '--force', '--expand-threshold', '1', '--json'], {
          cwd,
          env: env(),
        });
        expect(r.code, r.stderr).toBe(0);
      }
      const before = readFileSync(join(cwd, '.taskmaster/config.json'), 'utf8');
      const imp = await runCli(['improve', '--json'], { cwd, env: env() });
      expect(imp.code, imp.stderr).toBe(0);
      const out = JSON.parse(imp.stdout);
      expect(out.experiences).toBe(3);
      expect(out.meta).toBe('used'); // the local model's meta-analysis ran; whatever it adds must pass the data checks
      const role = out.proposals.find((p: { change: { kind: string } }) => p.change.kind === 'role-model');
      expect(role.change).toMatchObject({ role: 'main', from: 'model-a:latest', to: 'model-b:latest' });
      expect(role.confidence).toBeGreaterThanOrEqual(0.9);
      expect(role.evidence).toMatch(/schema failures/);
      expect(readFileSync(join(cwd, '.taskmaster/config.json'), 'utf8')).toBe(before); // proposing writes nothing

      const apply = await runCli(['improve', '--apply'], { cwd, env: env() });
      expect(apply.code, apply.stderr).toBe(0);
      expect(apply.stdout).toMatch(/applied 1 change\(s\) from proposal set \d+ \(backup .*config\..*\.json\)/);
      expect(mainModel(cwd)).toBe('model-b:latest');
      const cfg = JSON.parse(readFileSync(join(cwd, '.taskmaster/config.json'), 'utf8'));
      expect(cfg.global).toEqual({ projectName: 'learn' }); // unknown keys kept

      // One more run on B, then history shows the measured effect.
      const r = await runCli(['parse-prd', '--no-cache', '--force', '--expand-threshold', '1', '--json'], {
        cwd,
        env: env(),
      });
      expect(r.code, r.stderr).toBe(0);
      const { changes: h, routing } = JSON.parse(
        (await runCli(['improve', 'history', '--json'], { cwd, env: env() })).stdout,
      );
      expect(routing).toEqual({ decisions: 0, explored: 0, led: {} }); // learned routing is off by default
      expect(h).toHaveLength(1);
      expect(h[0].after.runs).toBe(1);
      expect(h[0].after.schemaValidRate).toBe(1);
      expect(h[0].effect.schemaValidRate).toBeGreaterThan(0);

      // Learned routing on: each routing decision is sampled from the ledger, led by the model that answers validly, and logged.
      writeFileSync(
        join(cwd, '.taskmaster/config.json'),
        JSON.stringify({
          ...cfg,
          models: { main: { provider: 'ollama', modelId: 'model-a:latest' } },
          local: { learnedRouting: true },
        }),
      );
      const routed = await runCli(['parse-prd', '--no-cache', '--force', '--json'], { cwd, env: env() });
      expect(routed.code, routed.stderr).toBe(0);
      const after = JSON.parse((await runCli(['improve', 'history', '--json'], { cwd, env: env() })).stdout).routing;
      expect(after.decisions).toBeGreaterThan(0);
      expect(Object.keys(after.led).every((k) => k.endsWith('model-b'))).toBe(true);
      expect((await runCli(['improve', 'history'], { cwd, env: env() })).stdout).toMatch(
        /learned routing \(last \d+ decisions, 0 explored\): PLANNING:local-model-b \d+/,
      );

      // A proposal set made against one config is not applied to another.
      writeFileSync(join(cwd, '.taskmaster/config.json'), config('model-a:latest'));
      const again = await runCli(['improve', '--no-meta'], { cwd, env: env() });
      expect(again.code, again.stderr).toBe(0);
      writeFileSync(join(cwd, '.taskmaster/config.json'), config('llama3.2:latest'));
      const refused = await runCli(['improve', '--apply'], { cwd, env: env() });
      expectOneErrorLine(refused, {
        match:
          /error: config.json changed since these proposals were made .*models\.main: .*model-a:latest.* → .*llama3\.2:latest/,
        hint: /^hint: run `task-master-local improve` again/,
      });
      expect(mainModel(cwd)).toBe('llama3.2:latest');
    } finally {
      server.script(undefined);
    }
  }, 240_000);

  it('records research questions and hand-made experiences; recommend answers from them, rejecting bad input with a hint', async () => {
    const cwd = tempProject({
      '.taskmaster/config.json': config('model-b:latest'),
      'docs/cache.md': '# Session cache\n\nThe session cache keeps entries for ten minutes before they expire.\n',
      'docs/deploy.md': '# Deployment\n\nWe deploy with docker compose and roll back by image tag.\n',
    });
    expect((await runCli(['research', 'add', 'docs'], { cwd, env: env() })).code).toBe(0);
    const ask = await runCli(['research', 'how long does the session cache keep entries?', '--json'], {
      cwd,
      env: env(),
    });
    expect(ask.code, ask.stderr).toBe(0);
    const rec = await runCli(
      [
        'improve',
        'record',
        '--task-type',
        'research',
        '--json',
        '--context',
        '{"query": "deploy rollback", "words": 2}',
        '--action',
        '{"model": "model-b:latest", "strategy": "synthesis-k3"}',
        '--outcome',
        '{"success": true, "latencyMs": 1200}',
      ],
      { cwd, env: env() },
    );
    expect(rec.code, rec.stderr).toBe(0);
    expect(JSON.parse(rec.stdout).id).toBeGreaterThan(0);
    const r = await runCli(
      ['improve', 'recommend', '--task-type', 'research', '--context', '{"query": "session cache expiry"}', '--json'],
      { cwd, env: env() },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.neighbours).toBe(2);
    expect(out.recommendations.map((x: { strategy: string }) => x.strategy).sort()).toEqual([
      'synthesis-k3',
      'synthesis-k6-selfcheck',
    ]);
    const plain = await runCli(['improve', 'recommend', '--task-type', 'research', '--context', '{"query": "cache"}'], {
      cwd,
      env: env(),
    });
    expect(plain.stdout).toMatch(/recommendations for research from 2 similar experiences:\n {2}1\. synthesis-k/);
    const none = await runCli(['improve', 'recommend', '--task-type', 'parse_prd', '--context', '{}'], {
      cwd,
      env: env(),
    });
    expect(none.stdout).toMatch(/no experiences recorded yet/);
    for (const [args, re] of [
      [['improve', 'record', '--task-type', 'research', '--outcome', '{"success": "yes"}'], /--outcome: success: /],
      [
        ['improve', 'record', '--task-type', 'nope', '--outcome', '{"success": true}'],
        /--task-type: must be one of parse_prd, research, other/,
      ],
      [['improve', 'recommend', '--task-type', 'research', '--context', '{bad'], /--context: not JSON/],
    ] as const) {
      const bad = await runCli([...args], { cwd, env: env() });
      expectOneErrorLine(bad, { code: 2, match: re, label: args.join(' ') });
    }
  }, 120_000);
});
