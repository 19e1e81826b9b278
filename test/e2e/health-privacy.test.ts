import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';

const PRD = readFileSync(new URL('../../.taskmaster/docs/prd.txt', import.meta.url), 'utf8');
let fake: FakeServer;
let trap: Server;
let trapConnections = 0;
beforeAll(async () => {
  fake = await startFakeServer();
  // A listening socket standing in for an external API: in LOCAL_ONLY it must never see a connection.
  trap = createServer((s) => {
    trapConnections++;
    s.destroy();
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await fake.close();
  await new Promise<void>((r) => trap.close(() => r()));
});

interface Privacy {
  mode: string;
  total_calls: number;
  local_calls: number;
  external_calls: number;
  refused_external: number;
  hosts: { host: string; local: boolean; calls: number }[];
}

describe('health --privacy and --stats after real commands', () => {
  it('LOCAL_ONLY: parse-prd and research make only local calls; external_calls is 0; an external role is refused without a connection', async () => {
    const trapPort = (trap.address() as { port: number }).port;
    const cwd = tempProject({
      '.taskmaster/docs/prd.txt': PRD,
      'docs/wal.md': '# WAL\nSQLite write-ahead logging lets readers continue while a writer commits.\n',
      // The fallback role points at an external provider; its baseURL is our trap socket.
      '.taskmaster/config.json': JSON.stringify({
        models: {
          main: { provider: 'ollama', modelId: 'llama3.2' },
          fallback: { provider: 'openai', modelId: 'gpt-4o', baseURL: `http://api.example.com:${trapPort}/v1` },
        },
      }),
    });
    const env = { OLLAMA_HOST: fake.url, TASKMASTER_LOCAL_LLM: 'true', OPENAI_API_KEY: 'sk-test' };
    expect((await runCli(['parse-prd', '--json'], { cwd, env })).code).toBe(0);
    expect((await runCli(['research', 'add', 'docs'], { cwd, env })).code).toBe(0);
    const q = await runCli(['research', 'What does write-ahead logging allow?', '--json'], { cwd, env });
    expect(q.code, q.stderr).toBe(0);

    const r = await runCli(['health', '--privacy', '--json'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as Privacy;
    expect(p.mode).toBe('LOCAL_ONLY');
    expect(p.total_calls).toBeGreaterThan(2);
    expect(p.external_calls).toBe(0);
    expect(p.local_calls).toBe(p.total_calls - p.refused_external);
    expect(p.hosts.filter((h) => h.calls > 0 && !h.local).every((h) => h.host === 'api.example.com')).toBe(true);
    expect(p.hosts.find((h) => h.host === '127.0.0.1')!.calls).toBeGreaterThan(2);
    expect(trapConnections).toBe(0);

    const text = await runCli(['health', '--privacy'], { cwd, env });
    expect(text.stdout).toMatch(/mode LOCAL_ONLY: \d+ model call\(s\), \d+ local, external_calls 0/);

    const s = await runCli(['health', '--stats', '--json'], { cwd, env });
    expect(s.code).toBe(0);
    const st = JSON.parse(s.stdout) as {
      components: { component: string; calls: number; p95_ms: number | null; prompt_tokens: number }[];
    };
    const names = st.components.map((c) => c.component);
    expect(names).toEqual(expect.arrayContaining(['prd', 'research']));
    const prd = st.components.find((c) => c.component === 'prd')!;
    expect(prd.calls).toBeGreaterThan(0);
    expect(prd.p95_ms).not.toBeNull();
    expect(prd.prompt_tokens).toBeGreaterThan(0);
    const txt = await runCli(['health', '--stats'], { cwd, env });
    expect(txt.stdout).toMatch(/^component\s+calls\s+failed\s+avg ms\s+p95 ms/m);
  }, 120_000);

  it('a project with no calls yet reports zero without creating a database', async () => {
    const cwd = tempProject();
    const r = await runCli(['health', '--privacy', '--json'], { cwd });
    expect(JSON.parse(r.stdout)).toMatchObject({ total_calls: 0, external_calls: 0, hosts: [] });
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${cwd}/.taskmaster/local.db`)).toBe(false);
  });
});
