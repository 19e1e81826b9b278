import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ latencyMs: 5000 });
});
afterAll(async () => server.close());

const TASKS = `${JSON.stringify({
  master: {
    tasks: [1, 2].map((id) => ({
      id,
      title: `Task ${id}`,
      description: 'd',
      status: 'pending',
      priority: 'medium',
      dependencies: [],
    })),
  },
})}\n`;

describe('Ctrl-C during a task edit', () => {
  it('update --from stops, says nothing was written (exit 130), tasks.json unchanged', async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': TASKS });
    const run = startCli(['update', '--from', '1', '-p', 'use PostgreSQL'], {
      cwd,
      env: { OLLAMA_HOST: server.url },
    });
    for (let i = 0; i < 600 && !server.requests.some((r) => r.path === '/api/chat'); i++)
      await new Promise((r) => setTimeout(r, 50));
    run.child.kill('SIGINT');
    expectOneErrorLine(await run.done, { code: 130, match: 'error: update was interrupted; nothing was written' });
    expect(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')).toBe(TASKS);
  }, 60_000);
});
