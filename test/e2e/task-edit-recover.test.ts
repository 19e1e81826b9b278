import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const TASKS = '.taskmaster/tasks/tasks.json';
const task = (id: number, status = 'pending') => ({
  id,
  title: `Task ${id}`,
  description: `Do ${id}.`,
  details: '',
  testStrategy: '',
  status,
  dependencies: [],
  priority: 'medium',
});

describe('update --from interrupted, then recover --run', () => {
  it('the server dies after the first task: nothing written, the run kept; recover --run asks only the rest', async () => {
    const server = await startFakeServer();
    const port = server.port;
    const cwd = tempProject({
      [TASKS]: JSON.stringify({ master: { tasks: [task(1, 'done'), task(2), task(3)] } }),
      '.taskmaster/config.json': JSON.stringify({ local: { concurrency: 1 } }),
    });
    const env = { OLLAMA_HOST: `http://127.0.0.1:${port}` };
    const before = readFileSync(join(cwd, TASKS), 'utf8');
    server.fault({ kind: 'latency', ms: 1, times: 1 });
    server.fault({ kind: 'die', afterPieces: 3 });
    const r = await runCli(['update', '--from', '1', '-p', 'use PostgreSQL'], { cwd, env });
    await server.close();
    expectOneErrorLine(r);
    expect(readFileSync(join(cwd, TASKS), 'utf8')).toBe(before);
    expect((await runCli(['recover'], { cwd, env })).stdout).toMatch(/run #1 {2}update interrupted/);

    const back = await startFakeServer({ port });
    try {
      const run = await runCli(['recover', '--run', '--json'], { cwd, env });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const j = JSON.parse(run.stdout) as { outcomes: { run?: { status: string } }[]; status: any };
      expect(j.outcomes.find((o) => o.run)!.run).toMatchObject({ status: 'resumed' });
      expect(j.status).toMatchObject({ runs: { interrupted: 0, resumed: 1 } });
      const tasks = JSON.parse(readFileSync(join(cwd, TASKS), 'utf8')).master.tasks as {
        title: string;
        status: string;
      }[];
      expect(tasks[0]).toEqual(task(1, 'done'));
      expect(tasks.slice(1).every((t) => t.title !== 'Task 2' && t.title !== 'Task 3' && t.status === 'pending')).toBe(
        true,
      );
      // Task 2's answer came from the cache: only task 3 was asked again.
      expect(back.requests.filter((q) => q.path === '/api/chat')).toHaveLength(1);
    } finally {
      await back.close();
    }
  }, 90_000);
});
