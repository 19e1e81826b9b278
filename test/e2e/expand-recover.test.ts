import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer } from '../support/fake-llm-server.js';
import { fixture } from '../support/tasks-fixture.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const TASKS = '.taskmaster/tasks/tasks.json';

describe('expand --all interrupted, then recover --run', () => {
  it('the server dies after the first task: nothing written, the run kept; recover --run resumes from the checkpoint', async () => {
    const server = await startFakeServer();
    const port = server.port;
    const cwd = tempProject({ [TASKS]: fixture() });
    const env = { OLLAMA_HOST: `http://127.0.0.1:${port}` };
    const before = readFileSync(join(cwd, TASKS), 'utf8');
    // The first request is answered; the second kills the server mid-answer.
    server.fault({ kind: 'latency', ms: 1, times: 1 });
    server.fault({ kind: 'die', afterPieces: 3 });
    const r = await runCli(['expand', '--all', '--concurrency', '1'], { cwd, env });
    await server.close();
    expectOneErrorLine(r);
    expect(readFileSync(join(cwd, TASKS), 'utf8')).toBe(before);
    const list = await runCli(['recover'], { cwd, env });
    expect(list.stdout).toMatch(/run #1 {2}expand interrupted/);

    const back = await startFakeServer({ port });
    try {
      const run = await runCli(['recover', '--run', '--json'], { cwd, env });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const j = JSON.parse(run.stdout) as { outcomes: { run?: { status: string; detail?: string } }[]; status: any };
      const resumed = j.outcomes.find((o) => o.run)!;
      expect(resumed.run).toMatchObject({ status: 'resumed' });
      expect(j.status).toMatchObject({ runs: { interrupted: 0, resumed: 1 } });
      const tasks = JSON.parse(readFileSync(join(cwd, TASKS), 'utf8')).master.tasks as {
        id: number;
        subtasks: unknown[];
      }[];
      expect(tasks.filter((t) => [1, 2, 3].includes(t.id)).every((t) => t.subtasks.length >= 2)).toBe(true);
      // Only the two unanswered tasks were asked again: the first came from its checkpoint.
      expect(back.requests.filter((q) => q.path === '/api/chat')).toHaveLength(2);
    } finally {
      await back.close();
    }
  }, 90_000);
});
