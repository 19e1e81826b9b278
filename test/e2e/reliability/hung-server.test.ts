import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../../support/cli.js';
import { type FakeServer, startFakeServer } from '../../support/fake-llm-server.js';
import { expectOneErrorLine } from '../../support/expect-error.js';
import { expectUnchanged, snapshot } from './helpers.js';

/**
 * Servers that accept and then go quiet (issue 16, item 2), as reliability cases: a bounded run
 * ending in one line, a hint, exit 4, and tasks.json as it was. The deadlines are short ones set
 * in config.json (local.timeouts), as a user would set them.
 */

const PRD = '# Notes app\n\n## Accounts\nUsers sign up with email.\n\n## Notes\nUsers write notes.\n';
const TASKS = `${JSON.stringify({ master: { tasks: [{ id: 1, title: 'Keep me', status: 'done', dependencies: [] }] } }, null, 2)}\n`;

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer({ models: [{ name: 'llama3.2:latest', contextLength: 8192 }] });
});
afterAll(() => fake.close());

function project(timeouts: Record<string, number>): string {
  return tempProject({
    '.taskmaster/docs/prd.txt': PRD,
    '.taskmaster/tasks/tasks.json': TASKS,
    '.taskmaster/config.json': JSON.stringify({
      models: { main: { provider: 'ollama', modelId: 'llama3.2' } },
      local: { discover: ['ollama'], timeouts },
    }),
  });
}

describe('a server that goes quiet', () => {
  it('accepts the request and sends nothing: exit 4, one line saying so, tasks.json unchanged', async () => {
    fake.reset();
    fake.fault({ kind: 'hang', times: 50, path: /^\/api\/(chat|generate)$/ });
    const cwd = project({ firstTokenMs: 800 });
    const before = snapshot(cwd);
    const r = await runCli(['parse-prd', '--append', '--no-cache'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expectOneErrorLine(r, {
      code: 4,
      match: /accepted the request for llama3\.2:latest and sent nothing/,
      hint: /restart/,
    });
    expectUnchanged(before, snapshot(cwd));
  });

  it('stalls after its first chunk: exit 4, one line, tasks.json unchanged', async () => {
    fake.reset();
    fake.fault({ kind: 'stall', times: 50 });
    const cwd = project({ firstTokenMs: 5_000, idleMs: 800 });
    const before = snapshot(cwd);
    const r = await runCli(['parse-prd', '--append', '--no-cache'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expectOneErrorLine(r, { code: 4, match: /llama3\.2/ });
    expectUnchanged(before, snapshot(cwd));
    // no full-length retry of a timed-out request on the same server
    expect(fake.requests.filter((q) => q.path === '/api/chat')).toHaveLength(1);
  });

  it('health against a hung server finishes and reports it (exit 1: unhealthy), with a restart hint', async () => {
    fake.reset();
    fake.fault({ kind: 'hang', times: 50, path: /^\/api\// });
    const cwd = project({ healthMs: 700, probeMs: 500 });
    const r = await runCli(['health'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/restart/);
    expect(r.stdout).not.toMatch(/start it with `ollama serve`/);
  });
});
