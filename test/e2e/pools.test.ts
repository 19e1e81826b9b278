import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServers, type FakeCluster } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

// A pool through the CLI: `models --add` with several --endpoint, then `models` and `health` (text and --json).
let c: FakeCluster;
let dir: string;
const NOWHERE = {
  OLLAMA_HOST: 'http://127.0.0.1:9',
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
};
beforeAll(async () => {
  c = await startFakeServers(3, (i) => ({ flavor: i === 1 ? 'vllm' : 'llamacpp', compute: { slots: i + 1 } }));
  await c.kill(2);
  dir = tempProject({ '.taskmaster/config.json': JSON.stringify({ local: { discover: [] } }) });
});
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});
const v1 = (i: number) => `${c.urls[i]}/v1`;

describe('pools on the command line', () => {
  it('models --add takes several --endpoint (duplicates kept once, said once) and --capacity', async () => {
    const r = await runCli(
      [
        'models',
        '--add',
        'gpus',
        '--provider',
        'openai-compatible',
        '--model',
        'llama3.2:latest',
        '--endpoint',
        v1(0),
        '--endpoint',
        `${v1(0)}/`,
        '--endpoint',
        v1(1),
        '--endpoint',
        v1(2),
      ],
      { cwd: dir, env: NOWHERE },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(
      `added alias gpus → openai-compatible llama3.2:latest on 3 endpoints (${v1(0)}, ${v1(1)}, ${v1(2)})`,
    );
    expect(r.stdout.match(/duplicate endpoint/g)).toHaveLength(1);
    const cfg = JSON.parse(readFileSync(join(dir, '.taskmaster/config.json'), 'utf8'));
    expect(cfg.local.registry.gpus.endpoints).toEqual([v1(0), v1(1), v1(2)]);
    const bad = await runCli(['models', '--add', 'x', '--provider', 'ollama', '--model', 'm', '--capacity', '0'], {
      cwd: dir,
      env: NOWHERE,
    });
    expectOneErrorLine(bad, { code: 2, match: /^error: --capacity/ });
  });

  it('models and health show each endpoint with its capacity and load; the dead one is said, the pool works', async () => {
    const m = await runCli(['models', '--json'], { cwd: dir, env: NOWHERE });
    const pools = JSON.parse(m.stdout).pools;
    expect(pools).toHaveLength(1);
    expect(
      pools[0].members.map((x: { endpoint: string; state: string; capacity: number; source: string }) => [
        x.endpoint,
        x.state,
        x.capacity,
        x.source,
      ]),
    ).toEqual([
      [v1(0), 'up', 1, 'server'],
      [v1(1), 'up', 1, 'learned'],
      [v1(2), 'unreachable', 1, 'learned'],
    ]);
    expect(pools[0].members[1]).toMatchObject({ running: 0, waiting: 0 });
    const text = await runCli(['models'], { cwd: dir, env: NOWHERE });
    expect(text.stdout).toContain(`${v1(0)}  capacity 1 (server: llama.cpp /props: 1 slot), load 0 running`);
    expect(text.stdout).toContain(`warning: model gpus: ${v1(2)} is unreachable`);
    const h = await runCli(['health', '--json'], { cwd: dir, env: NOWHERE });
    const check = JSON.parse(h.stdout).checks.find((x: { name: string }) => x.name === 'pool gpus');
    expect(check.status).toBe('warn');
    expect(check.detail.split('\n')[0]).toBe('llama3.2:latest on 3 endpoints, 2 up, 2 slot(s) in all');
    expect(check.hint).toContain(`the pool works with the other 2; start ${v1(2)}`);
    expect(check.endpoints).toHaveLength(3);
  });
});
