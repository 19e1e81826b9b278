import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, startCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { fixture } from '../support/tasks-fixture.js';
import { expectOneErrorLine } from '../support/expect-error.js';

// Ctrl-C on a long command: the use case stops cleanly, one line says what was kept, exit 130, the
// database is sound and the work continues with --resume.

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ latencyMs: 120 });
});
afterAll(async () => server.close());

/** Spawns the CLI, sends SIGINT once `ready(db)` holds, and returns the exit code and stderr. */
async function interrupt(
  cwd: string,
  args: string[],
  env: Record<string, string>,
  ready: (db: Database.Database) => boolean,
) {
  const run = startCli(args, { cwd, env, timeoutMs: 180_000 });
  const dbPath = join(cwd, '.taskmaster', 'local.db');
  for (let i = 0; i < 1200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      const db = new Database(dbPath, { readonly: true });
      const ok = ready(db);
      db.close();
      if (ok) break;
    } catch {
      // not created (or not migrated) yet
    }
  }
  run.child.kill('SIGINT');
  const { code, stderr } = await run.done;
  return { code, stderr, dbPath };
}

function sound(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}

describe('Ctrl-C', () => {
  it('optimize: keeps the finished evaluations, says so in one line, exits 130; --resume ends as an uninterrupted run', async () => {
    const spec = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'optimize', 'spec.json'), 'utf8'));
    delete spec.evaluator;
    const cwd = tempProject({
      'spec.json': JSON.stringify(spec),
      'fit.sh': readFileSync(join(REPO_ROOT, 'examples', 'optimize', 'fit.sh'), 'utf8'),
    });
    chmodSync(join(cwd, 'fit.sh'), 0o755);
    const args = ['optimize', 'spec.json', '--fitness-command', 'sleep 0.1; ./fit.sh', '--generations', '5', '--json'];
    const whole = JSON.parse((await runCli(args, { cwd })).stdout);

    const r = await interrupt(cwd, args, {}, (db) => {
      const row = db
        .prepare('SELECT generations_done FROM optimize_runs WHERE id != ? ORDER BY rowid DESC LIMIT 1')
        .get(whole.run_id) as { generations_done: number } | undefined;
      return (row?.generations_done ?? 0) >= 1;
    });
    const m =
      /^error: optimization run (opt-\w+) interrupted after (\d+) generation\(s\); its evaluations are kept$/.exec(
        expectOneErrorLine(r, { code: 130 }),
      );
    expect(m, r.stderr).not.toBeNull();
    const runId = m![1]!;
    expect(r.stderr).toContain(`hint: continue with \`task-master-local optimize --resume ${runId}\``);

    expect(sound(r.dbPath)).toBe('ok');
    const db = new Database(r.dbPath, { readonly: true });
    const run = db.prepare('SELECT status, error FROM optimize_runs WHERE id = ?').get(runId);
    const killed = db
      .prepare(`SELECT count(*) AS n FROM optimize_evaluations WHERE run_id = ? AND ok = 0`)
      .get(runId) as { n: number };
    db.close();
    expect(run).toEqual({ status: 'failed', error: 'interrupted' });
    // no evaluation cut short by the interrupt was stored as a failure (fit.sh never fails)
    expect(killed.n).toBe(0);

    const resumed = await runCli(['optimize', '--resume', runId, '--json'], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    const rep = JSON.parse(resumed.stdout);
    expect(rep.resumed_at).toBeGreaterThanOrEqual(1);
    expect(rep.best_individual).toEqual(whole.best_individual);
    expect(rep.generations).toEqual(whole.generations);
  }, 180_000);

  it('research loop: keeps the finished iterations in the session, one line, exit 130; --resume continues it', async () => {
    const cwd = tempProject({
      'docs/cache.md':
        '# Session cache\n\nThe session cache keeps entries for ten minutes.\n\n## Eviction\n\nLeast recently used entries are evicted beyond 5000 items.\n\n## Warmup\n\nThe cache is warmed from the last snapshot at start.\n',
      'docs/deploy.md': '# Deployment\n\nWe deploy with docker compose and roll back by image tag.\n',
    });
    const env = { OLLAMA_HOST: server.url, LM_STUDIO_HOST: 'http://127.0.0.1:9', LOCAL_AI_HOST: 'http://127.0.0.1:9' };
    expect((await runCli(['research', 'add', 'docs', '--offline'], { cwd, env })).code).toBe(0);
    const r = await interrupt(cwd, ['research', 'session cache design', '--loop', '20', '--offline'], env, (db) => {
      const row = db.prepare('SELECT iterations_done FROM research_sessions LIMIT 1').get() as
        | { iterations_done: number }
        | undefined;
      return (row?.iterations_done ?? 0) >= 1;
    });
    const m = /^error: research loop interrupted after (\d+) of 20 iterations; session (rs-[\w-]+) kept$/.exec(
      expectOneErrorLine(r, { code: 130 }),
    );
    expect(m, r.stderr).not.toBeNull();
    const [done, id] = [Number(m![1]), m![2]!];
    expect(done).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toContain(`hint: continue it with \`task-master-local research --resume ${id}\``);

    expect(sound(r.dbPath)).toBe('ok');
    const db = new Database(r.dbPath, { readonly: true });
    const row = db.prepare('SELECT status, iterations_done FROM research_sessions WHERE id = ?').get(id);
    db.close();
    expect(row).toEqual({ status: 'stopped', iterations_done: done });

    const resumed = await runCli(['research', '--resume', id, '--loop', '1', '--offline', '--json'], { cwd, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const out = JSON.parse(resumed.stdout);
    expect(out.sessionId).toBe(id);
    expect(out.iterations).toBeGreaterThan(done);
  }, 180_000);

  it('research question: Ctrl-C while the model answers, one line, exit 130, nothing saved', async () => {
    const slow = await startFakeServer({ latencyMs: 10_000 });
    try {
      const cwd = tempProject({
        'docs/deploy.md': '# Deployment\n\nWe deploy with docker compose and roll back by tag.\n',
      });
      const env = { OLLAMA_HOST: slow.url, LM_STUDIO_HOST: 'http://127.0.0.1:9', LOCAL_AI_HOST: 'http://127.0.0.1:9' };
      expect((await runCli(['research', 'add', 'docs', '--offline'], { cwd, env })).code).toBe(0);
      const args = ['research', 'how do we roll back?', '--offline', '--save-file'];
      const r = await interrupt(cwd, args, env, () => slow.requests.some((q) => q.path === '/api/chat'));
      expectOneErrorLine(r, {
        code: 130,
        match: 'error: research interrupted; nothing was saved',
        hint: /^hint: ask again$/,
      });
      expect(existsSync(join(cwd, '.taskmaster', 'docs', 'research'))).toBe(false);
      expect(sound(r.dbPath)).toBe('ok');
    } finally {
      await slow.close();
    }
  }, 60_000);

  it.each([
    ['expand', ['expand', '--all', '--no-cache']],
    ['analyze-complexity', ['analyze-complexity', '--no-cache']],
  ])(
    '%s: Ctrl-C while the model answers, one line, exit 130, tasks.json untouched',
    async (job, args) => {
      const slow = await startFakeServer({ latencyMs: 10_000 });
      try {
        const cwd = tempProject({ '.taskmaster/tasks/tasks.json': fixture() });
        const tasksPath = join(cwd, '.taskmaster', 'tasks', 'tasks.json');
        const before = readFileSync(tasksPath, 'utf8');
        const env = {
          OLLAMA_HOST: slow.url,
          LM_STUDIO_HOST: 'http://127.0.0.1:9',
          LOCAL_AI_HOST: 'http://127.0.0.1:9',
        };
        const r = await interrupt(cwd, args, env, () => slow.requests.some((q) => q.path === '/api/chat'));
        expectOneErrorLine(r, { code: 130, match: `error: ${job} was interrupted; nothing was written` });
        expect(readFileSync(tasksPath, 'utf8')).toBe(before);
        expect(readdirSync(join(cwd, '.taskmaster', 'tasks'))).toEqual(['tasks.json']); // no lock, no temp file
        expect(sound(r.dbPath)).toBe('ok');
      } finally {
        await slow.close();
      }
    },
    60_000,
  );
});
