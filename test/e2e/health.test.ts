import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer();
});
afterAll(() => fake.close());

const config = (models: Record<string, unknown>, local: Record<string, unknown> = {}) =>
  JSON.stringify({ models, local: { mode: 'LOCAL_ONLY', ...local } });

describe('health (first version)', () => {
  it('healthy with no config: a reachable server with a chat model and a sound DB → exit 0', async () => {
    const cwd = tempProject();
    const r = await runCli(['health', '--json'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as {
      healthy: boolean;
      checks: { name: string; status: string; detail: string }[];
    };
    expect(rep.healthy).toBe(true);
    const by = Object.fromEntries(rep.checks.map((c) => [c.name, c]));
    expect(by['server ollama']).toMatchObject({ status: 'pass' });
    expect(by['server ollama']!.detail).toContain('version 0.12.6');
    expect(by['structured output']).toMatchObject({ status: 'pass' });
    expect(by.embeddings!.detail).toBe('nomic-embed-text:latest: 384 dimensions');
    expect(by.integrity).toMatchObject({ status: 'pass', detail: 'ok' });
    expect(by['sqlite-vec']!.detail).toMatch(/^v0\.1\./);
    // The structured round trip really sent a JSON Schema to the server.
    const chat = fake.requests.find((q) => q.path === '/api/chat');
    expect((chat!.body as { format?: { type?: string } }).format?.type).toBe('object');
  });

  it('server down → exit 1 with the command that starts it', async () => {
    const cwd = tempProject();
    const r = await runCli(['health'], { cwd, env: { OLLAMA_HOST: 'http://127.0.0.1:1' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Ollama is not reachable at http://127.0.0.1:1 — start it with `ollama serve`');
    expect(r.stdout).toMatch(/unhealthy/);
  });

  it('a role model that is not pulled → FAIL with `ollama pull <m>`', async () => {
    const cwd = tempProject({
      '.taskmaster/config.json': config({ main: { provider: 'ollama', modelId: 'qwen3:8b' } }),
    });
    const r = await runCli(['health', '--json'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.stdout) as { checks: { name: string; status: string; hint?: string }[] };
    expect(rep.checks.find((c) => c.name === 'role main')).toMatchObject({ status: 'fail' });
    expect(rep.checks.find((c) => c.name === 'role main')!.hint).toContain('ollama pull qwen3:8b');
  });

  it('configured roles present (llama3.2 matches llama3.2:latest) → exit 0', async () => {
    const cwd = tempProject({
      '.taskmaster/config.json': config({
        main: { provider: 'ollama', modelId: 'llama3.2' },
        fallback: { provider: 'ollama', modelId: 'llama3.2' },
      }),
    });
    const r = await runCli(['health'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/ok {4}role main\s+llama3\.2:latest on/);
  });

  it('an external role in LOCAL_ONLY fails without contacting it', async () => {
    const cwd = tempProject({
      '.taskmaster/config.json': config({ main: { provider: 'anthropic', modelId: 'claude-sonnet-4' } }),
    });
    const r = await runCli(['health', '--json'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('LOCAL_ONLY refuses it');
  });

  it('LM Studio server with a role on it', async () => {
    const lms = await startFakeServer({ flavor: 'lmstudio' });
    try {
      const cwd = tempProject({
        '.taskmaster/config.json': config({ main: { provider: 'lmstudio', modelId: 'llama3.2:latest' } }),
      });
      const r = await runCli(['health', '--json'], {
        cwd,
        env: { OLLAMA_HOST: 'http://127.0.0.1:1', LM_STUDIO_HOST: lms.url },
      });
      const rep = JSON.parse(r.stdout) as { healthy: boolean; checks: { name: string; status: string }[] };
      expect(rep.checks.find((c) => c.name === 'server lmstudio')).toMatchObject({ status: 'pass' });
      expect(rep.checks.find((c) => c.name === 'structured output')).toMatchObject({ status: 'pass' });
      expect(lms.requests.some((q) => q.path === '/v1/chat/completions')).toBe(true);
    } finally {
      await lms.close();
    }
  });

  it('invalid config.json → exit 1, names the problem', async () => {
    const cwd = tempProject({ '.taskmaster/config.json': '{"models": {' });
    const r = await runCli(['health'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}config .*line 1/);
  });

  it('a damaged database → FAIL with the recover hint', async () => {
    const cwd = tempProject({
      '.taskmaster/local.db': Buffer.from('this is not a sqlite file at all, just bytes'.repeat(100)),
    });
    const r = await runCli(['health'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}database/);
    expect(r.stdout).toContain('recover --run');
  });

  it('loads no ink, react, ollama SDK or node-llama-cpp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tml-hook-'));
    const log = join(dir, 'imports.log');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';\nlet out;\nexport function initialize(d) { out = d.out; }\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(out, r.url + '\\n'); return r; }\n`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url, { data: { out: ${JSON.stringify(log)} } });\n`,
    );
    writeFileSync(log, '');
    // Async spawn: the fake server lives in this process and must keep answering meanwhile.
    const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), CLI, 'health'], {
      cwd: tempProject(),
      env: {
        PATH: process.env.PATH ?? '',
        NO_COLOR: '1',
        OLLAMA_HOST: fake.url,
        LM_STUDIO_HOST: 'http://127.0.0.1:1',
        LOCAL_AI_HOST: 'http://127.0.0.1:1',
      },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const status = await new Promise<number | null>((res) => child.on('close', res));
    const r = { status, stdout: out, stderr: '' };
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(loaded.some((u) => u.includes('/dist/src/monitor/health.js'))).toBe(true);
    expect(
      loaded.filter((u) => /node_modules\/(ink|react|react-reconciler|ollama|node-llama-cpp|openai)\//.test(u)),
    ).toEqual([]);
  });
});

describe('health --full (validation suite)', () => {
  it('runs every module end to end in a temp copy: all pass against the fake server, the project is untouched', async () => {
    const cwd = tempProject();
    const r = await runCli(['health', '--full', '--json'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as {
      overall: string;
      success_rate: number;
      run: number;
      checks: { name: string; status: string; ms: number }[];
    };
    expect(v.overall).toBe('healthy');
    expect(v.success_rate).toBe(1);
    expect(v.checks.map((c) => c.name)).toEqual([
      'health',
      'model API',
      'parse-prd',
      'research',
      'optimize',
      'recovery self-test',
    ]);
    expect(v.checks.every((c) => c.status === 'pass' && typeof c.ms === 'number')).toBe(true);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(cwd, '.taskmaster'))).toEqual([]);
  }, 120_000);

  it('with the server down: unhealthy, exit 1, failures carry hints', async () => {
    const r = await runCli(['health', '--full', '--json'], {
      cwd: tempProject(),
      env: { OLLAMA_HOST: 'http://127.0.0.1:1' },
    });
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout) as {
      overall: string;
      success_rate: number;
      checks: { name: string; status: string; hint?: string }[];
    };
    expect(v.overall).toBe('unhealthy');
    expect(v.success_rate).toBeLessThan(1);
    expect(v.checks.find((c) => c.name === 'model API')).toMatchObject({ status: 'fail' });
    expect(v.checks.find((c) => c.name === 'health')!.hint).toMatch(/ollama serve/);
    // optimize judges with the model, so it fails too; the self-test brings its own server.
    expect(v.checks.find((c) => c.name === 'optimize')).toMatchObject({ status: 'fail' });
    expect(v.checks.find((c) => c.name === 'recovery self-test')).toMatchObject({ status: 'pass' });
  }, 120_000);
});

describe('health: degradation found in the call ledger', () => {
  it('warns (without failing) when a model got much slower than its own baseline', async () => {
    const cwd = tempProject();
    const { openDatabase } = await import('../../src/storage/db.js');
    const db = openDatabase(join(cwd, '.taskmaster', 'local.db'));
    const ins = db.prepare(
      `INSERT INTO metrics (ts, component, operation, provider, host, local, model, duration_ms) VALUES (?, 'prd', 'object', 'ollama', '127.0.0.1', 1, 'llama3.2:latest', ?)`,
    );
    const t = Date.now() - 3_600_000;
    for (let i = 0; i < 30; i++) ins.run(new Date(t + i * 1000).toISOString(), i < 20 ? 100 : 1000);
    db.close();
    const r = await runCli(['health', '--json'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code, r.stdout).toBe(0);
    const rep = JSON.parse(r.stdout) as { checks: { name: string; status: string; detail: string; hint?: string }[] };
    const perf = rep.checks.find((c) => c.name === 'performance');
    expect(perf).toMatchObject({ status: 'warn' });
    expect(perf!.detail).toMatch(/p95 latency of llama3\.2:latest rose from 100 ms to 1000 ms/);
    expect(perf!.hint).toMatch(/ollama ps/);
  });
});

describe('health in LOCAL_ONLY with a non-local server', () => {
  it('does not contact it: the server check fails with a trustedHosts hint', async () => {
    const r = await runCli(['health', '--json'], {
      cwd: tempProject(),
      env: { OLLAMA_HOST: 'http://llm.example.invalid:11434', TASKMASTER_LOCAL_LLM: 'true' },
    });
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.stdout) as { checks: { name: string; status: string; detail: string; hint?: string }[] };
    const s = rep.checks.find((c) => c.name === 'server ollama')!;
    expect(s.detail).toContain('LOCAL_ONLY never contacts it');
    expect(s.hint).toContain('local.trustedHosts');
  });
});
