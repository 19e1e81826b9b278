import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { REPO_ROOT, runCli, startCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const PRD = readFileSync(join(REPO_ROOT, '.taskmaster', 'docs', 'prd.txt'), 'utf8');
const ARGS = ['parse-prd', '--no-cache', '--concurrency', '2', '--expand-threshold', '1', '--max-depth', '3'];
let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ latencyMs: 150 });
});
afterAll(async () => {
  await server.close();
});

function checkpoints(cwd: string): number {
  const p = join(cwd, '.taskmaster', 'local.db');
  if (!existsSync(p)) return 0;
  try {
    const db = new Database(p, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM prd_checkpoints').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not migrated yet
  }
}

/** Starts the CLI and SIGKILLs it once at least `n` nodes are checkpointed. */
async function killAfter(cwd: string, n: number): Promise<{ signal: NodeJS.Signals | null; stored: number }> {
  const run = startCli(ARGS, { cwd, env: { OLLAMA_HOST: server.url }, timeoutMs: 120_000 });
  let done = false;
  void run.done.then(() => (done = true));
  while (!done && checkpoints(cwd) < n) await new Promise((r) => setTimeout(r, 20));
  run.child.kill('SIGKILL');
  const { signal } = await run.done;
  return { signal, stored: checkpoints(cwd) };
}

const tag = (cwd: string) => {
  const f = JSON.parse(readFileSync(join(cwd, '.taskmaster', 'tasks', 'tasks.json'), 'utf8'));
  delete f.master.metadata; // timestamps differ between runs
  return f;
};

describe('parse-prd SIGKILL and --resume', () => {
  it('a run killed mid-way resumes from its checkpoints and writes the same tasks.json as an uninterrupted run', async () => {
    const clean = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    server.reset();
    const full = await runCli(ARGS, { cwd: clean, env: { OLLAMA_HOST: server.url } });
    expect(full.code, full.stderr).toBe(0);
    const fullCalls = server.counts()['/api/chat'] ?? 0;
    const total = checkpoints(clean);
    expect(total).toBeGreaterThan(3);

    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const k = await killAfter(cwd, 3);
    expect(k.signal).toBe('SIGKILL');
    expect(k.stored).toBeGreaterThanOrEqual(3);
    expect(k.stored).toBeLessThan(total);
    expect(existsSync(join(cwd, '.taskmaster', 'tasks', 'tasks.json'))).toBe(false);

    server.reset();
    const resumed = await runCli([...ARGS, '--resume'], { cwd, env: { OLLAMA_HOST: server.url } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`${k.stored} resumed`));
    expect(server.counts()['/api/chat'] ?? 0).toBeLessThan(fullCalls);
    expect(tag(cwd)).toEqual(tag(clean));
  }, 120_000);

  it('Ctrl-C aborts in-flight requests, exits 130 and writes no tasks.json', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const run = startCli(ARGS, { cwd, env: { OLLAMA_HOST: server.url } });
    while (checkpoints(cwd) < 1) await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGINT');
    expectOneErrorLine(await run.done, {
      code: 130,
      match: /^error: parse-prd was interrupted; nothing was written/,
      hint: /--resume/,
    });
    expect(existsSync(join(cwd, '.taskmaster', 'tasks', 'tasks.json'))).toBe(false);
  }, 60_000);
});
