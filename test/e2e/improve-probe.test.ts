import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';

// The scenario: the main model breaks the schema on 3 answers of 5, the fallback never does;
// six parse-prd --max-depth 1 runs leave too few fallback answers to choose. Plain improve says so
// and suggests --probe; improve --probe measures both on the validation workload and proposes the
// reliable model; improve --apply sets it.
const PRD = `# Notes\n\n## Accounts\nUsers sign up and sign in.\n\n## Notes\nUsers write, tag and search notes.\n`;
const MODELS = [
  { name: 'model-a:latest', contextLength: 8192, family: 'llama' },
  { name: 'model-b:latest', contextLength: 8192, family: 'qwen' },
];
const CONFIG = JSON.stringify({
  models: {
    main: { provider: 'ollama', modelId: 'model-a:latest', maxTokens: 4096, temperature: 0.2 },
    fallback: { provider: 'ollama', modelId: 'model-b:latest', maxTokens: 4096, temperature: 0.2 },
  },
});

let server: FakeServer;
beforeAll(async () => {
  // Short answers keep the test quick (at the 100 ms per answer the probe took about 2 s).
  server = await startFakeServer({ models: MODELS, latencyMs: 25 });
});
afterAll(async () => {
  await server.close();
});

describe('improve --probe (evidence on demand)', () => {
  it('six runs cannot settle it; the probe does, improve proposes the reliable model and --apply sets it', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD, '.taskmaster/config.json': CONFIG });
    const env = { OLLAMA_HOST: server.url };
    let n = 0;
    // model-a fails the schema on 3 of every 5 structured answers, in a fixed pattern.
    server.script((ctx) => {
      if (!ctx.schema || !ctx.model.startsWith('model-a')) return undefined;
      return [0, 2, 3].includes(n++ % 5) ? { content: '{"unexpected": true}' } : undefined;
    });
    try {
      for (let i = 0; i < 6; i++) {
        const r = await runCli(['parse-prd', '--max-depth', '1', '--no-cache', '--force', '--json'], { cwd, env });
        expect(r.code, r.stderr).toBe(0);
      }
      const plain = await runCli(['improve', '--no-meta'], { cwd, env });
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stdout).not.toMatch(/role-model|main: model-a:latest → /);
      expect(plain.stdout).toMatch(
        /^evidence for main: model-a:latest \d+\/\d+ valid over 6 runs; .* run `task-master-local improve --probe`/m,
      );

      const probe = await runCli(['improve', '--probe', '--no-meta', '--json'], { cwd, env });
      expect(probe.code, probe.stderr).toBe(0);
      const out = JSON.parse(probe.stdout);
      expect(out.probe.probed.map((p: { model: string }) => p.model)).toEqual(['model-a:latest', 'model-b:latest']);
      const b = out.probe.probed[1];
      expect(b).toMatchObject({ questions: 8, calls: 8, valid: 8 });
      expect(out.probe.probed[0].valid).toBeLessThan(out.probe.probed[0].calls);
      const role = out.proposals.find((p: { change: { kind: string } }) => p.change.kind === 'role-model');
      expect(role?.change).toMatchObject({ role: 'main', from: 'model-a:latest', to: 'model-b:latest' });
      expect(out.advice).toBeUndefined();

      const apply = await runCli(['improve', '--apply'], { cwd, env });
      expect(apply.code, apply.stderr).toBe(0);
      const cfg = JSON.parse(readFileSync(join(cwd, '.taskmaster/config.json'), 'utf8'));
      expect(cfg.models.main.modelId).toBe('model-b:latest');
    } finally {
      server.script(undefined);
    }
  }, 180_000);
});
