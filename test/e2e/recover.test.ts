import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { openDatabase } from '../../src/storage/db.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const PRD = readFileSync(new URL('../../.taskmaster/docs/prd.txt', import.meta.url), 'utf8');
let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer();
});
afterAll(() => fake.close());

interface Status {
  total_failures: number;
  active_failures: number;
  recovered: number;
  cause_cleared: number;
  recovery_rate: number | null;
  mttr_ms: number | null;
  recovered_by: Record<string, number>;
  runs: { interrupted: number; resumed: number };
  by_type: Record<string, { total: number }>;
}

describe('recover (CLI)', () => {
  it('after a flaky run (30% of calls fail with 500) parse-prd completes and recover status shows failures and a recovery rate', async () => {
    fake.reset();
    // Seed 3 fails the 2nd and 4th model calls: some failures, each recoverable by a retry.
    fake.failRate({ probability: 0.3, seed: 3, status: 500 });
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    try {
      const r = await runCli(['parse-prd', '--json'], { cwd, env: { OLLAMA_HOST: fake.url } });
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { written: boolean; tasks: unknown[]; summary: { structural: boolean } };
      expect(out.written).toBe(true);
      expect(out.summary.structural).toBe(false);
      expect(out.tasks.length).toBeGreaterThan(0);
    } finally {
      fake.reset();
    }
    const s = await runCli(['recover', 'status', '--json'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(s.code, s.stderr).toBe(0);
    const st = JSON.parse(s.stdout) as Status;
    expect(st.total_failures).toBeGreaterThan(0);
    // Each 500 was answered by a retry of the same request: all recovered, timed from the failure.
    expect(st).toMatchObject({
      recovered: st.total_failures,
      recovery_rate: 1,
      recovered_by: { retry: st.total_failures },
    });
    expect(st.mttr_ms).toBeGreaterThan(0);
    expect(st.by_type.SYSTEM_ERROR!.total).toBeGreaterThan(0);
    const list = await runCli(['recover'], { cwd, env: { OLLAMA_HOST: fake.url } });
    expect(list.stdout).toMatch(/SYSTEM_ERROR\/http_error/);
  }, 120_000);

  it('server stopped: the run is kept; recover --run resumes it once the server is back, and only that counts as recovered', async () => {
    const server = await startFakeServer();
    const port = server.port;
    await server.close();
    const cwd = tempProject({
      '.taskmaster/docs/prd.txt': PRD,
      '.taskmaster/config.json': JSON.stringify({ models: { main: { provider: 'ollama', modelId: 'llama3.2' } } }),
    });
    const env = { OLLAMA_HOST: `http://127.0.0.1:${port}` };
    const p = await runCli(['parse-prd', '--require-model'], { cwd, env });
    expect(p.code).not.toBe(0);
    expect(p.stderr).toMatch(/ollama serve/);
    // A research question while it is down: answered without the model, nothing to replay later.
    const q = await runCli(['research', 'add', '--note', 'WAL', 'Readers continue while a writer commits.'], {
      cwd,
      env,
    });
    expect(q.code, q.stderr).toBe(0);
    const list = await runCli(['recover'], { cwd, env });
    expect(list.stdout).toMatch(/run #1 {2}parse-prd interrupted/);
    const down = await runCli(['recover', '--run'], { cwd, env });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/server_unreachable \(run #1 parse-prd\): resume → skipped — not resumed: /);
    expect(down.stdout).toContain(
      `Ollama is not reachable at http://127.0.0.1:${port} — start it with \`ollama serve\``,
    );
    const back = await startFakeServer({ port });
    try {
      const run = await runCli(['recover', '--run', '--json'], { cwd, env });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const j = JSON.parse(run.stdout) as {
        outcomes: { kind: string; strategy: string; outcome: string; status: string; run?: { status: string } }[];
        status: Status;
      };
      expect(j.outcomes.find((o) => o.kind === 'server_unreachable' && o.run)).toMatchObject({
        strategy: 'resume',
        outcome: 'success',
        status: 'recovered',
        run: { status: 'resumed' },
      });
      expect(j.status).toMatchObject({ active_failures: 0, runs: { interrupted: 0, resumed: 1 } });
      expect(j.status.recovered_by.resume).toBeGreaterThan(0);
      expect(readFileSync(join(cwd, '.taskmaster', 'tasks', 'tasks.json'), 'utf8')).toContain('"master"');
      // `recover status --json`: the resumed run's failures are recovered; what only a probe could follow is apart.
      const s = JSON.parse((await runCli(['recover', 'status', '--json'], { cwd, env })).stdout) as Status;
      expect(s.recovered).toBe(s.recovered_by.resume);
      expect(s.recovered + s.cause_cleared).toBe(s.total_failures);
      expect(s.recovery_rate).toBe(Math.round((s.recovered / s.total_failures) * 10000) / 10000);
      expect(s.mttr_ms).toBeGreaterThan(0);
    } finally {
      await back.close();
    }
  }, 120_000);

  it('a missing model is pulled only with --allow-pull, through /api/pull', async () => {
    const srv = await startFakeServer({ models: [{ name: 'llama3.2:latest' }, { name: 'qwen3:8b', pulled: false }] });
    try {
      const cwd = tempProject({
        '.taskmaster/docs/prd.txt': PRD,
        '.taskmaster/config.json': JSON.stringify({ models: { main: { provider: 'ollama', modelId: 'qwen3:8b' } } }),
      });
      const env = { OLLAMA_HOST: srv.url };
      const p = await runCli(['parse-prd', '--require-model', '--model', 'qwen3:8b'], { cwd, env });
      expect(p.code).not.toBe(0);
      const no = await runCli(['recover', '--run'], { cwd, env });
      expect(no.code).toBe(1);
      expect(no.stdout).toMatch(
        /model_not_found \(run #1 parse-prd\): resume → skipped — not resumed: .*pulling is off/,
      );
      expect(srv.requests.some((q) => q.path === '/api/pull')).toBe(false);
      const yes = await runCli(['recover', '--run', '--allow-pull', '--json'], { cwd, env });
      expect(yes.code, yes.stdout + yes.stderr).toBe(0);
      expect(
        srv.requests
          .filter((q) => q.path === '/api/pull')
          .map((q) => (q.body as { model?: string; name?: string }).model),
      ).toEqual(['qwen3:8b']);
      // The pull cleared the cause, and the interrupted run was resumed with the pulled model.
      const j = JSON.parse(yes.stdout) as { outcomes: { kind: string; status: string }[]; status: Status };
      expect(j.outcomes.find((o) => o.kind === 'model_not_found')).toMatchObject({ status: 'recovered' });
      expect(j.status.runs).toMatchObject({ interrupted: 0, resumed: 1 });
    } finally {
      await srv.close();
    }
  }, 120_000);

  it('--self-test passes and touches no project file', async () => {
    const cwd = tempProject();
    const r = await runCli(['recover', '--self-test', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean; cases: { name: string; status: string }[] };
    expect(j.ok).toBe(true);
    expect(j.cases.map((c) => [c.name, c.status])).toEqual([
      ['server busy, retried', 'recovered'],
      ['invalid answer, re-asked', 'recovered'],
      ['main model missing, fallback', 'recovered'],
      ['parse-prd interrupted, resumed', 'recovered'],
      ['server down, probe only', 'cause_cleared'],
    ]);
    const s = await runCli(['recover', 'status', '--json'], { cwd });
    expect((JSON.parse(s.stdout) as Status).total_failures).toBe(0);
  });

  it('--run repairs a database that cannot be opened (set aside, fresh start)', async () => {
    const cwd = tempProject({ '.taskmaster/local.db': 'not a database '.repeat(500) });
    const bad = await runCli(['recover', 'status'], { cwd });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/recover --run/);
    const r = await runCli(['recover', '--run'], { cwd });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reset: unreadable; kept as .*local\.db\.corrupt-\d+/);
    const s = await runCli(['recover', 'status', '--json'], { cwd });
    expect(s.code).toBe(0);
  });

  it('--run repairs a damaged index in the project DB and records the repair', async () => {
    const cwd = tempProject();
    const path = join(cwd, '.taskmaster', 'local.db');
    const db = openDatabase(path);
    const ins = db.prepare(
      `INSERT INTO metrics (component, operation, model, duration_ms) VALUES ('prd', 'object', 'm', ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) ins.run(i);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const root = (
      db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'metrics_component'`).get() as { rootpage: number }
    ).rootpage;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0x41), 0, pageSize, (root - 1) * pageSize);
    closeSync(fd);
    const r = await runCli(['recover', '--run', '--json'], { cwd });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { repaired: { ok: boolean; movedAside: string }; status: Status };
    expect(j.repaired.ok).toBe(true);
    expect(j.status).toMatchObject({ total_failures: 1, recovered: 1, active_failures: 0 });
    const after = openDatabase(path);
    expect(after.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect((after.prepare('SELECT count(*) AS n FROM metrics').get() as { n: number }).n).toBe(3000);
    after.close();
    const list = await runCli(['recover'], { cwd });
    expect(list.stdout).toMatch(/recovered\s+SYSTEM_ERROR\/db_corrupt/);
    expect(list.stdout).toMatch(/resolution: repair_db/);
  });

  it('rejects an unknown action with a hint', async () => {
    const r = await runCli(['recover', 'bogus'], { cwd: tempProject() });
    expectOneErrorLine(r, { code: 2, match: "error: <action> 'bogus': must be one of status, list" });
  });
});
