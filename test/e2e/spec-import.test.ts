import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

// models --import of the specification's configuration shape: its mode and models become ours, the
// parts with no place in ours are listed line by line, saved roles are kept, and a bad file
// (unknown provider, duplicate alias, unreachable endpoint, mode against TASKMASTER_LOCAL_LLM) writes nothing.
const ROLES = {
  models: {
    main: { provider: 'ollama', modelId: 'llama3.2:latest', maxTokens: 8192, temperature: 0.2 },
    research: { provider: 'ollama', modelId: 'qwen2.5:7b', maxTokens: 8192, temperature: 0.1 },
  },
};

let ollama: FakeServer;
let lmstudio: FakeServer;
let deadPort: number;
beforeAll(async () => {
  ollama = await startFakeServer({ models: [{ name: 'llama2' }, { name: 'mistral' }] });
  lmstudio = await startFakeServer({ flavor: 'lmstudio', models: [{ name: 'custom-llama' }] });
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  deadPort = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
});
afterAll(async () => {
  await ollama?.close();
  await lmstudio?.close();
});

const cfgPath = (dir: string) => join(dir, '.taskmaster', 'config.json');
const readCfg = (dir: string) => JSON.parse(readFileSync(cfgPath(dir), 'utf8'));
function project(file: unknown, raw?: string) {
  const dir = tempProject({ '.taskmaster/config.json': JSON.stringify(ROLES, null, 2) });
  writeFileSync(join(dir, 'spec.json'), raw ?? JSON.stringify(file, null, 2));
  return dir;
}

describe('models --import of the specification shape', () => {
  it('sets the mode and registry entries, keeps the saved roles, and lists what it left out', async () => {
    const dir = project({
      deployment_mode: 'HYBRID',
      models: {
        'ollama-llama2': {
          provider: 'ollama',
          model_name: 'llama2',
          endpoint: ollama.url,
          capabilities: ['general', 'analysis'],
          tier: 'medium',
          max_tokens: 4096,
        },
        custom_model: {
          provider: 'LM_STUDIO',
          model_name: 'custom-llama',
          endpoint: lmstudio.url,
          capabilities: ['TaskType.SPECIALIZED'],
          tier: 'ModelTier.SPECIALIZED',
        },
      },
      routing_rules: { research: 'ollama-mistral' },
    });
    const r = await runCli(['models', '--import', 'spec.json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cfg = readCfg(dir);
    expect(cfg.local.mode).toBe('HYBRID');
    expect(cfg.local.registry['ollama-llama2']).toMatchObject({
      provider: 'ollama',
      model: 'llama2',
      endpoint: ollama.url,
      capabilities: ['GENERAL', 'ANALYSIS'],
      tier: 'MEDIUM',
    });
    expect(cfg.local.registry.custom_model).toMatchObject({
      provider: 'lmstudio',
      model: 'custom-llama',
      capabilities: ['SPECIALIZED'],
      tier: 'SPECIALIZED',
    });
    expect(cfg.models).toEqual(ROLES.models);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^imported spec\.json \(the specification's configuration\) into /);
    expect(lines).toContain('mode: HYBRID');
    expect(lines).toContain('added aliases: ollama-llama2, custom_model');
    expect(lines).toContain('kept role main → ollama llama3.2:latest');
    expect(lines).toContain('kept role research → ollama qwen2.5:7b');
    expect(lines.filter((l) => l.startsWith('not imported: '))).toEqual([
      'not imported: routing_rules: not imported (no equivalent setting)',
      'not imported: models.ollama-llama2.max_tokens: not imported (task-master keeps maxTokens per role (models.<role>.maxTokens in config.json))',
    ]);
  });

  it('unknown provider, duplicate alias and unreachable endpoint: one line naming each, nothing written', async () => {
    const raw = `{
  "deployment_mode": "LOCAL_ONLY",
  "models": {
    "a": {"provider": "gemini", "model_name": "g"},
    "b": {"provider": "ollama", "model_name": "llama2", "endpoint": "http://127.0.0.1:${deadPort}"},
    "c": {"provider": "ollama", "model_name": "mistral", "endpoint": "${ollama.url}"},
    "c": {"provider": "ollama", "model_name": "llama2", "endpoint": "${ollama.url}"}
  }
}`;
    const dir = project(undefined, raw);
    const before = readFileSync(cfgPath(dir), 'utf8');
    const r = await runCli(['models', '--import', 'spec.json'], { cwd: dir });
    const error = expectOneErrorLine(r, {
      code: 2,
      match: /^error: spec\.json: nothing imported, 3 problems: /,
      alone: true,
    });
    expect(error).toContain("models.a.provider: unknown provider 'gemini'");
    expect(error).toContain('models.c: duplicate alias');
    expect(error).toContain(`models.b.endpoint: http://127.0.0.1:${deadPort} is unreachable`);
    expect(readFileSync(cfgPath(dir), 'utf8')).toBe(before);
  });

  it('a mode that conflicts with TASKMASTER_LOCAL_LLM=true is refused, nothing written', async () => {
    const dir = project({ deployment_mode: 'EXTERNAL_ONLY', models: {} });
    const before = readFileSync(cfgPath(dir), 'utf8');
    const r = await runCli(['models', '--import', 'spec.json'], { cwd: dir, env: { TASKMASTER_LOCAL_LLM: 'true' } });
    expectOneErrorLine(r, {
      code: 2,
      match: /deployment_mode: EXTERNAL_ONLY conflicts with TASKMASTER_LOCAL_LLM=true, which forces LOCAL_ONLY/,
    });
    expect(readFileSync(cfgPath(dir), 'utf8')).toBe(before);
  });

  it('a file in neither shape is refused naming the keys it did not understand', async () => {
    const dir = project({ servers: ['x'], profile: 'fast' });
    const before = readFileSync(cfgPath(dir), 'utf8');
    const r = await runCli(['models', '--import', 'spec.json'], { cwd: dir });
    expectOneErrorLine(r, {
      code: 2,
      match: 'error: spec.json: not a configuration this tool can import: keys servers, profile not understood',
    });
    expect(readFileSync(cfgPath(dir), 'utf8')).toBe(before);
  });

  it('an export without a saved role keeps that role and says so', async () => {
    const dir = project({ models: { main: { provider: 'ollama', modelId: 'mistral' } }, local: { mode: 'HYBRID' } });
    const r = await runCli(['models', '--import', 'spec.json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const cfg = readCfg(dir);
    expect(cfg.models.main.modelId).toBe('mistral');
    expect(cfg.models.research).toEqual(ROLES.models.research);
    expect(r.stdout).toContain('kept role research → ollama qwen2.5:7b');
    expect(existsSync(cfgPath(dir))).toBe(true);
  });
});
