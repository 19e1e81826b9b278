import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

// What `task-master init -y` writes (trimmed) plus a key nobody knows, which must survive.
const INIT = {
  models: {
    main: { provider: 'anthropic', modelId: 'claude-sonnet-4-20250514', maxTokens: 64000, temperature: 0.2 },
    research: { provider: 'perplexity', modelId: 'sonar', maxTokens: 8700, temperature: 0.1 },
  },
  global: { logLevel: 'info', ollamaBaseURL: 'http://localhost:11434/api', projectName: 'Task Master' },
  grokCli: { timeout: 120000, workingDirectory: null },
  somethingNew: { keep: ['me'] },
};

let ollama: FakeServer;
let lmstudio: FakeServer;
let env: Record<string, string>;

beforeAll(async () => {
  ollama = await startFakeServer({
    models: [
      { name: 'llama3.2:latest', contextLength: 8192, sizeBytes: 2_019_393_189, family: 'llama' },
      { name: 'qwen2.5-coder:7b', contextLength: 32768, sizeBytes: 4_683_087_332, family: 'qwen2' },
      { name: 'nomic-embed-text:latest', contextLength: 2048, embedding: true, sizeBytes: 274_302_450 },
    ],
  });
  lmstudio = await startFakeServer({ flavor: 'lmstudio', models: [{ name: 'mistral-7b-instruct-v0.3' }] });
  // A non-default port, given the way users give it.
  env = { OLLAMA_HOST: `127.0.0.1:${ollama.port}` };
});
afterAll(async () => {
  await ollama?.close();
  await lmstudio?.close();
});

const cfgPath = (dir: string) => join(dir, '.taskmaster', 'config.json');
const readCfg = (dir: string) => JSON.parse(readFileSync(cfgPath(dir), 'utf8'));
const project = (cfg?: unknown) =>
  tempProject(
    cfg === undefined
      ? {}
      : { '.taskmaster/config.json': typeof cfg === 'string' ? cfg : JSON.stringify(cfg, null, 2) },
  );

describe('models (listing)', () => {
  it('--json lists the models of a server on a non-default OLLAMA_HOST, with defaults not saved', async () => {
    const dir = project();
    const r = await runCli(['models', '--json'], { cwd: dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const srv = j.servers.find((s: { kind: string }) => s.kind === 'ollama');
    expect(srv).toMatchObject({ endpoint: `http://127.0.0.1:${ollama.port}`, ok: true, models: 3 });
    expect(j.servers.find((s: { kind: string }) => s.kind === 'lmstudio')).toMatchObject({ ok: false });
    const names = j.models.map((m: { model: string }) => m.model);
    expect(names).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b', 'nomic-embed-text:latest']);
    const llama = j.models[0];
    expect(llama).toMatchObject({
      alias: 'local-llama3.2',
      provider: 'ollama',
      sizeBytes: 2_019_393_189,
      embedding: false,
      local: true,
    });
    expect(llama.capabilities).toContain('GENERAL');
    expect(j.models[1].capabilities).toContain('CODE_GENERATION');
    expect(j.models[2]).toMatchObject({ embedding: true, capabilities: [] });
    expect(j.mode).toEqual({ value: 'LOCAL_ONLY', source: 'default' });
    expect(j.roles.main).toMatchObject({ source: 'default', provider: 'ollama' });
    expect(j.roles.embeddings).toMatchObject({ source: 'default', model: 'nomic-embed-text:latest' });
    expect(existsSync(cfgPath(dir))).toBe(false);
  });

  it('prints roles, mode with its source, servers with hints, and a model table', async () => {
    const r = await runCli(['models'], { cwd: project(), env: { ...env, TASKMASTER_LOCAL_LLM: 'true' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/mode: +LOCAL_ONLY \(from env TASKMASTER_LOCAL_LLM=true\)/);
    expect(r.stdout).toMatch(/main +ollama \S+ @ http:\/\/127\.0\.0\.1:\d+ +\[default — not saved\]/);
    expect(r.stdout).toMatch(/lmstudio +http:\/\/127\.0\.0\.1:9\/v1 +unreachable/);
    expect(r.stdout).toMatch(/hint: start LM Studio/);
    expect(r.stdout).toMatch(/local-qwen2\.5-coder-7b +qwen2\.5-coder:7b +ollama +4\.7 GB/);
  });

  it('OLLAMA_HOST=0.0.0.0:<port> (bind-all) is reached on loopback', async () => {
    const r = await runCli(['models', '--json'], { cwd: project(), env: { OLLAMA_HOST: `0.0.0.0:${ollama.port}` } });
    expect(r.code).toBe(0);
    const srv = JSON.parse(r.stdout).servers.find((s: { kind: string }) => s.kind === 'ollama');
    expect(srv).toMatchObject({ endpoint: `http://127.0.0.1:${ollama.port}`, ok: true });
  });

  it('lists LM Studio models from LM_STUDIO_HOST', async () => {
    const r = await runCli(['models', '--json'], {
      cwd: project(),
      env: { ...env, LM_STUDIO_HOST: `http://127.0.0.1:${lmstudio.port}` },
    });
    const j = JSON.parse(r.stdout);
    expect(
      j.models.filter((m: { provider: string }) => m.provider === 'lmstudio').map((m: { model: string }) => m.model),
    ).toEqual(['mistral-7b-instruct-v0.3']);
  });
});

describe('models (changes)', () => {
  it('--set-main llama3.2 writes llama3.2:latest in task-master’s shape and keeps unknown keys', async () => {
    const dir = project(INIT);
    const r = await runCli(['models', '--set-main', 'llama3.2'], { cwd: dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = readCfg(dir);
    expect(c.models.main).toEqual({
      provider: 'ollama',
      modelId: 'llama3.2:latest',
      maxTokens: 64000,
      temperature: 0.2,
      baseURL: `http://127.0.0.1:${ollama.port}/api`,
    });
    expect(c.models.research).toEqual(INIT.models.research);
    expect(c.global).toEqual(INIT.global);
    expect(c.grokCli).toEqual(INIT.grokCli);
    expect(c.somethingNew).toEqual(INIT.somethingNew);
    // The saved role is now shown as configured.
    const j = JSON.parse((await runCli(['models', '--json'], { cwd: dir, env })).stdout);
    expect(j.roles.main).toMatchObject({ source: 'configured', model: 'llama3.2:latest' });
  });

  it('accepts local-<name> aliases and LM Studio ids, in one write', async () => {
    const dir = project(INIT);
    const r = await runCli(
      ['models', '--set-research', 'local-qwen2.5-coder-7b', '--set-fallback', 'mistral-7b-instruct-v0.3', '--json'],
      { cwd: dir, env: { ...env, LM_STUDIO_HOST: `127.0.0.1:${lmstudio.port}` } },
    );
    expect(r.code).toBe(0);
    const c = readCfg(dir);
    expect(c.models.research).toMatchObject({
      provider: 'ollama',
      modelId: 'qwen2.5-coder:7b',
      maxTokens: 8700,
      temperature: 0.1,
    });
    expect(c.models.fallback).toEqual({
      provider: 'lmstudio',
      modelId: 'mistral-7b-instruct-v0.3',
      maxTokens: 8192,
      temperature: 0.2,
      baseURL: `http://127.0.0.1:${lmstudio.port}/v1`,
    });
  });

  it('an unknown model is one line with close matches, exit non-zero, nothing written', async () => {
    const dir = project(INIT);
    const before = readFileSync(cfgPath(dir), 'utf8');
    const r = await runCli(['models', '--set-main', 'llama3.3', '--set-research', 'llama3.2'], { cwd: dir, env });
    expectOneErrorLine(r, { match: /unknown model 'llama3\.3'.*llama3\.2/ });
    expect(readFileSync(cfgPath(dir), 'utf8')).toBe(before);
  });

  it('an unknown mode lists the valid ones; a valid one is saved and shown with its source', async () => {
    const dir = project(INIT);
    const before = readFileSync(cfgPath(dir), 'utf8');
    const bad = await runCli(['models', '--mode', 'CLOUD'], { cwd: dir, env });
    expectOneErrorLine(bad, {
      code: 2,
      match: /^error: unknown mode 'CLOUD'/,
      hint: /^hint: valid modes: LOCAL_ONLY, EXTERNAL_ONLY, HYBRID, LOCAL_PREFERRED, EXTERNAL_PREFERRED/,
    });
    expect(readFileSync(cfgPath(dir), 'utf8')).toBe(before);
    expect((await runCli(['models', '--mode', 'local-preferred'], { cwd: dir, env })).code).toBe(0);
    expect(readCfg(dir).local.mode).toBe('LOCAL_PREFERRED');
    const j = JSON.parse((await runCli(['models', '--json'], { cwd: dir, env })).stdout);
    expect(j.mode).toEqual({ value: 'LOCAL_PREFERRED', source: 'config.json local.mode' });
  });

  it('--add and --remove manage aliases; a bad provider is named', async () => {
    const dir = project(INIT);
    const add = await runCli(
      [
        'models',
        '--add',
        'coder',
        '--provider',
        'ollama',
        '--model',
        'qwen2.5-coder:7b',
        '--endpoint',
        `http://127.0.0.1:${ollama.port}`,
        '--capabilities',
        'code_generation,analysis',
      ],
      { cwd: dir, env },
    );
    expect(add.code).toBe(0);
    expect(readCfg(dir).local.registry.coder).toMatchObject({
      provider: 'ollama',
      model: 'qwen2.5-coder:7b',
      capabilities: ['CODE_GENERATION', 'ANALYSIS'],
    });
    expect((await runCli(['models', '--set-main', 'coder'], { cwd: dir, env })).code).toBe(0);
    expect(readCfg(dir).models.main.modelId).toBe('qwen2.5-coder:7b');
    const before = readFileSync(cfgPath(dir), 'utf8');
    const bad = await runCli(['models', '--add', 'x', '--provider', 'olama', '--model', 'm'], { cwd: dir, env });
    expectOneErrorLine(bad, { code: 2, match: /^error: unknown provider 'olama' for alias 'x'/ });
    const noModel = await runCli(['models', '--add', 'x', '--provider', 'ollama'], { cwd: dir, env });
    expectOneErrorLine(noModel, { match: /^error: --add needs --provider and --model/ });
    expect(readFileSync(cfgPath(dir), 'utf8')).toBe(before);
    expect((await runCli(['models', '--remove', 'coder'], { cwd: dir, env })).code).toBe(0);
    expect(readCfg(dir).local.registry).toEqual({});
    expect((await runCli(['models', '--remove', 'coder'], { cwd: dir, env })).stderr).toContain(
      "error: no alias 'coder'",
    );
  });
});

describe('models (bad config.json)', () => {
  it('a syntax error gives line and column', async () => {
    const dir = project('{\n  "models": {\n    "main": { "provider": "ollama", }\n  }\n}\n');
    const r = await runCli(['models', '--json'], { cwd: dir, env });
    expectOneErrorLine(r, { code: 2, match: /^error: .*config\.json: invalid JSON at line 3, column \d+/ });
  });

  it('a wrong field is named, and nothing is written', async () => {
    const bad = { ...INIT, models: { ...INIT.models, main: { ...INIT.models.main, temperature: 'hot' } } };
    const dir = project(bad);
    const before = readFileSync(cfgPath(dir), 'utf8');
    const r = await runCli(['models', '--set-research', 'llama3.2'], { cwd: dir, env });
    expectOneErrorLine(r, { code: 2, match: /^error: .*config\.json: models\.main\.temperature: / });
    expect(readFileSync(cfgPath(dir), 'utf8')).toBe(before);
  });
});

describe('models --export / --import', () => {
  const SECRET = {
    ...INIT,
    global: { ...INIT.global, apiKey: 'abc-123-secret' },
    proxy: { url: 'http://bob:hunter2@proxy.lan:3128', headers: { Authorization: 'Bearer tok_99999' } },
  };

  it('exports with secrets redacted, and an import round-trips without clobbering them', async () => {
    const dir = project(SECRET);
    expect((await runCli(['models', '--mode', 'HYBRID'], { cwd: dir, env })).code).toBe(0);
    const saved = readCfg(dir);
    const exp = await runCli(['models', '--export', 'exported.json'], { cwd: dir, env });
    expect(exp.code).toBe(0);
    const text = readFileSync(join(dir, 'exported.json'), 'utf8');
    for (const s of ['abc-123-secret', 'hunter2', 'tok_99999']) expect(text).not.toContain(s);
    const j = JSON.parse(text);
    expect(j.global.apiKey).toBe('[REDACTED]');
    expect(j.proxy.headers.Authorization).toBe('[REDACTED]');
    expect(j.models.main.maxTokens).toBe(64000);
    expect(j.local.mode).toBe('HYBRID');
    // Change things, then import: the export's settings come back, the real secrets stay.
    expect((await runCli(['models', '--mode', 'LOCAL_ONLY', '--set-main', 'llama3.2'], { cwd: dir, env })).code).toBe(
      0,
    );
    const imp = await runCli(['models', '--import', 'exported.json'], { cwd: dir, env });
    expect(imp.stderr).toBe('');
    expect(imp.code).toBe(0);
    expect(readCfg(dir)).toEqual(saved);
  });

  it('a bad import names the problem and writes nothing', async () => {
    const dir = project(INIT);
    const before = readFileSync(cfgPath(dir), 'utf8');
    writeFileSync(join(dir, 'bad-mode.json'), JSON.stringify({ local: { mode: 'SOMETIMES' } }));
    const r = await runCli(['models', '--import', 'bad-mode.json'], { cwd: dir, env });
    expectOneErrorLine(r, { code: 2, match: /local\.mode: unknown mode 'SOMETIMES'/ });
    const missing = await runCli(['models', '--import', 'nope.json'], { cwd: dir, env });
    expectOneErrorLine(missing, { match: /^error: .*nope\.json does not exist/ });
    expect(readFileSync(cfgPath(dir), 'utf8')).toBe(before);
  });
});
