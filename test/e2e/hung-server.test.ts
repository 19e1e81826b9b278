import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const PRD = '# Notes app\n\n## Accounts\nUsers sign up with email.\n\n## Notes\nUsers write and tag notes.\n';
let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer({
    models: [
      { name: 'llama3.2:latest', contextLength: 8192 },
      { name: 'qwen2.5:7b', contextLength: 8192 },
      { name: 'nomic-embed-text:latest', embedding: true },
    ],
  });
});
afterAll(() => fake.close());

const project = (timeouts: Record<string, number>) =>
  tempProject({
    '.taskmaster/docs/prd.txt': PRD,
    '.taskmaster/config.json': JSON.stringify({
      models: {
        main: { provider: 'ollama', modelId: 'llama3.2' },
        fallback: { provider: 'ollama', modelId: 'qwen2.5:7b' },
      },
      local: { discover: ['ollama'], timeouts },
    }),
  });

describe('a server that accepts requests and never answers', () => {
  it('parse-prd ends with an error that says what the server did, not a structural plan; nothing is written', async () => {
    fake.reset();
    fake.fault({ kind: 'hang', times: 50, path: /^\/api\/(chat|generate)$/ });
    const cwd = project({ firstTokenMs: 800 });
    const r = await runCli(['parse-prd', '--num-tasks', '2'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expectOneErrorLine(r, {
      code: 4, // no server/model: it is there, but not serving
      match:
        /^error: Ollama at http:\/\/127\.0\.0\.1:\d+ accepted the request for llama3\.2:latest and sent nothing for [\d.]+ s; no model load in progress; then qwen2\.5:7b: /,
      hint: /^hint: the server is running but not answering: restart it/,
    });
    expect(r.stdout + r.stderr).not.toMatch(/structural/);
    expect(existsSync(join(cwd, '.taskmaster', 'tasks', 'tasks.json'))).toBe(false);
    // One request per model: no full-length retry of a request that already timed out on this server.
    const chats = fake.requests.filter((q) => q.path === '/api/chat').map((q) => (q.body as { model: string }).model);
    expect(chats).toEqual(['llama3.2:latest', 'qwen2.5:7b']);
  });

  it('health probes in parallel with short deadlines and says to restart the server, not to start it', async () => {
    fake.reset();
    fake.fault({ kind: 'hang', times: 50, path: /^\/api\/(chat|generate|embed)$/ });
    const cwd = project({ healthMs: 700, probeMs: 700 });
    const r = await runCli(['health', '--json'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.stdout) as { checks: { name: string; status: string; detail: string; hint?: string }[] };
    const by = Object.fromEntries(rep.checks.map((c) => [c.name, c]));
    expect(by['server ollama']).toMatchObject({ status: 'pass' }); // it answers /api/version and /api/tags
    expect(by['structured output']).toMatchObject({ status: 'fail' });
    expect(by['structured output']!.detail).toMatch(/accepted the request for llama3\.2:latest and sent nothing/);
    expect(by['structured output']!.hint).toMatch(/restart it/);
    expect(by.embeddings).toMatchObject({ status: 'fail' });
    for (const c of rep.checks) expect(c.hint ?? '', c.name).not.toMatch(/start Ollama|`ollama serve`\)?$/);
    // Parallel: the round trip and the embedding were both asked, each once.
    expect(fake.requests.filter((q) => q.path === '/api/chat')).toHaveLength(1);
    expect(fake.requests.filter((q) => q.path === '/api/embed')).toHaveLength(1);
  });

  it('health against a server that does not answer even its version: hung, with a restart hint', async () => {
    fake.reset();
    fake.fault({ kind: 'hang', times: 50, path: /^\/api\// });
    const cwd = project({ healthMs: 700, probeMs: 500 });
    const r = await runCli(['health', '--json'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.stdout) as { checks: { name: string; status: string; detail: string; hint?: string }[] };
    const server = rep.checks.find((c) => c.name === 'server ollama')!;
    expect(server.status).toBe('fail');
    expect(server.detail).toMatch(/accepted the connection but did not answer within \d+ ms/);
    expect(server.hint).toMatch(/Ollama is running but not answering: restart it/);
    expect(server.hint).not.toMatch(/start it with/);
    expect(JSON.stringify(rep)).not.toMatch(/start Ollama/);
    expect(readFileSync(join(cwd, '.taskmaster', 'config.json'), 'utf8')).toContain('healthMs');
  });
});
