import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempProject } from '../../support/cli.js';
import { type FakeServer, startFakeServer } from '../../support/fake-llm-server.js';
import { expectOneErrorLine } from '../../support/expect-error.js';
import { expectUnchanged, snapshot } from './helpers.js';

/**
 * What happens to a run, not to its input: the server goes away in the middle of it (exit 4),
 * the user presses Ctrl-C (exit 130), the privacy mode refuses a model (exit 3). One line, a
 * hint, tasks.json untouched.
 */

const PRD = '# Notes app\n\n## Accounts\nUsers sign up with email.\n\n## Notes\nUsers write notes.\n';
const TASKS = `${JSON.stringify({ master: { tasks: [{ id: 1, title: 'Keep me', status: 'done', dependencies: [] }] } }, null, 2)}\n`;
const CONFIG = JSON.stringify({
  local: { retries: 1, timeouts: { requestMs: 10_000, idleMs: 5_000, probeMs: 5_000 } },
});

function project(): string {
  return tempProject({
    '.taskmaster/docs/prd.txt': PRD,
    '.taskmaster/config.json': CONFIG,
    '.taskmaster/tasks/tasks.json': TASKS,
  });
}

/** Resolves once the server has received its first model call. */
function firstChat(server: FakeServer): Promise<void> {
  return new Promise((res) => {
    const t = setInterval(() => {
      if (server.requests.some((r) => /\/api\/chat|\/v1\/chat/.test(r.path))) {
        clearInterval(t);
        res();
      }
    }, 10);
  });
}

describe.concurrent('runs cut short', () => {
  it('the server goes away mid-run: exit 4, one line, tasks.json unchanged', async () => {
    const server = await startFakeServer({ latencyMs: 400 });
    const cwd = project();
    const before = snapshot(cwd);
    const run = runCli(['parse-prd', '--append', '--require-model', '--no-cache'], {
      cwd,
      env: { OLLAMA_HOST: server.url },
      timeoutMs: 90_000,
    });
    await firstChat(server);
    await server.close(); // in-flight answers die with it; new connections are refused
    const r = await run;
    expectOneErrorLine(r, { code: 4, match: /not reachable|connection .* was reset|no model/i });
    expectUnchanged(before, snapshot(cwd));
  });

  it('Ctrl-C mid-run: exit 130 and a line saying what was kept', async () => {
    const server = await startFakeServer({ latencyMs: 2_000 });
    try {
      const cwd = project();
      const before = snapshot(cwd);
      const run = startCli(['parse-prd', '--append', '--no-cache'], {
        cwd,
        env: { OLLAMA_HOST: server.url },
        timeoutMs: 90_000,
      });
      await firstChat(server);
      run.child.kill('SIGINT');
      const r = await run.done;
      expectOneErrorLine(r, { code: 130, match: /interrupted/, hint: /--resume/ });
      expectUnchanged(before, snapshot(cwd));
    } finally {
      await server.close();
    }
  });

  it('the privacy mode refuses the only model: exit 3, naming the setting', async () => {
    const cwd = project();
    // An OpenAI-compatible server on a public address: LOCAL_ONLY refuses it before any socket opens.
    writeFileSync(
      join(cwd, '.taskmaster/config.json'),
      JSON.stringify({
        models: { main: { provider: 'openai-compatible', modelId: 'm', baseURL: 'http://93.184.216.34:8080/v1' } },
        local: { mode: 'LOCAL_ONLY' },
      }),
    );
    const before = snapshot(cwd);
    const r = await runCli(['parse-prd', '--append', '--require-model', '--model', 'm'], { cwd });
    expectOneErrorLine(r, { code: 3, match: /LOCAL_ONLY|not local|refused/i });
    expectUnchanged(before, snapshot(cwd));
  });

  it('a remote main role refused in LOCAL_ONLY with no local server: exit 3 (the refusal before "no server")', async () => {
    const cwd = project();
    // No --model: routing skips the refused role, and no local server answers (all point at a closed port).
    writeFileSync(
      join(cwd, '.taskmaster/config.json'),
      JSON.stringify({
        models: { main: { provider: 'anthropic', modelId: 'claude-3-5-sonnet' } },
        local: { mode: 'LOCAL_ONLY' },
      }),
    );
    const before = snapshot(cwd);
    for (const args of [
      ['add-task', '-p', 'a settings page'],
      ['parse-prd', '--append', '--require-model'],
    ]) {
      const r = await runCli(args, { cwd });
      expectOneErrorLine(r, {
        code: 3,
        match:
          /^error: refused: role main \(anthropic claude-3-5-sonnet\) is external; mode LOCAL_ONLY \(set by config\.json local\.mode\)/,
      });
      expectUnchanged(before, snapshot(cwd), args.join(' '));
    }
    // Without --require-model parse-prd still plans without a model, and says why.
    const plan = await runCli(['parse-prd', '--append', '--json'], { cwd });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(plan.stdout))).toMatch(/refused: role main/);
  });
});
