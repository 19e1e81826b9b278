import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { fixture } from '../support/tasks-fixture.js';

/** The real task-master (task-master-ai 0.43.1), installed by `npm test` into .test-deps/ (1.4 GB, so not a dependency). */
const BIN =
  process.env.TASK_MASTER_BIN || join(REPO_ROOT, '.test-deps', 'task-master', 'node_modules', '.bin', 'task-master');
const HAVE = existsSync(BIN);
const PRD = readFileSync(join(REPO_ROOT, '.taskmaster', 'docs', 'prd.txt'), 'utf8');

/** Runs task-master offline in `cwd`: no auto-update, HOME inside the temp dir. */
function tm(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      TASKMASTER_SKIP_AUTO_UPDATE: '1',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    };
    const child = spawn(BIN, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

/** The first JSON object in task-master's output (it may print notice boxes after it). */
function firstJson(text: string): unknown {
  const start = text.indexOf('{');
  for (let end = text.indexOf('\n}', start); end >= 0; end = text.indexOf('\n}', end + 1)) {
    try {
      return JSON.parse(text.slice(start, end + 2));
    } catch {
      /* not the end of the object yet */
    }
  }
  throw new Error(`no JSON object in task-master output: ${text.slice(0, 200)}`);
}

describe('task-master interop', () => {
  it('task-master is installed', () => {
    // A missing task-master fails the suite, never skips it silently.
    expect(HAVE, `task-master not found at ${BIN}; run \`node scripts/test-extras.mjs\` (npm test runs it first)`).toBe(
      true,
    );
  });

  let server: FakeServer;
  beforeAll(async () => {
    server = await startFakeServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('the real task-master lists, shows, nexts and set-status our output, and a later --tag run keeps its edits', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const ours = await runCli(['parse-prd', '--json', '--expand-threshold', '1'], {
      cwd,
      env: { OLLAMA_HOST: server.url },
    });
    expect(ours.code, ours.stderr).toBe(0);
    const tasks = JSON.parse(ours.stdout).tasks as Array<{
      id: number;
      title: string;
      subtasks: Array<{ id: number; title: string }>;
    }>;
    const parent = tasks.find((t) => t.subtasks.length > 0);
    expect(parent, 'at least one task with subtasks').toBeDefined();

    const list = await tm(['list', '--json'], cwd);
    expect(list.code, list.stderr).toBe(0);
    const listed = firstJson(list.stdout) as { tasks: Array<{ id: string; title: string }> };
    expect(listed.tasks.map((t) => t.title)).toEqual(tasks.map((t) => t.title));

    const show = await tm(['show', '1'], cwd);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(tasks[0]!.title);
    const sub = await tm(['show', `${parent!.id}.1`], cwd);
    expect(sub.code, sub.stderr).toBe(0);
    expect(sub.stdout).toContain(parent!.subtasks[0]!.title);

    const next = await tm(['next'], cwd);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/Next Task: #\d+/);

    const set = await tm(['set-status', `--id=${parent!.id}`, '--status=in-progress'], cwd);
    expect(set.code, set.stderr).toBe(0);
    const path = join(cwd, '.taskmaster', 'tasks', 'tasks.json');
    const afterSet = JSON.parse(readFileSync(path, 'utf8'));
    const edited = afterSet.master.tasks.find((t: { id: unknown }) => String(t.id) === String(parent!.id));
    expect(edited.status).toBe('in-progress');

    const other = await runCli(['parse-prd', '--tag', 'other', '--max-depth', '1'], {
      cwd,
      env: { OLLAMA_HOST: server.url },
    });
    expect(other.code, other.stderr).toBe(0);
    const final = JSON.parse(readFileSync(path, 'utf8'));
    expect(final.master).toEqual(afterSet.master);
    expect(final.other.tasks.length).toBeGreaterThan(0);

    const listOther = await tm(['list', '--tag', 'other', '--json'], cwd);
    expect(listOther.code, listOther.stderr).toBe(0);
    expect(listOther.stdout).toContain(final.other.tasks[0].title);
  }, 300_000);

  it("task-master reads our analyze-complexity report and expand --all subtasks; our update --from keeps task-master's statuses", async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': fixture() });
    const env = { OLLAMA_HOST: server.url };
    const path = join(cwd, '.taskmaster', 'tasks', 'tasks.json');
    const an = await runCli(['analyze-complexity', '--json'], { cwd, env });
    expect(an.code, an.stderr).toBe(0);
    const ex = await runCli(['expand', '--all', '--json'], { cwd, env });
    expect(ex.code, ex.stderr).toBe(0);
    const expanded = JSON.parse(ex.stdout).expanded as { id: number; subtasks: { id: number; title: string }[] }[];
    expect(expanded.map((e) => e.id)).toEqual([1, 2, 3]);

    const report = await tm(['complexity-report'], cwd);
    expect(report.code, report.stderr).toBe(0);
    const analysed = JSON.parse(an.stdout).analysed as { taskId: number; taskTitle: string }[];
    expect(report.stdout).toContain('Tasks Analyzed');
    for (const e of analysed) expect(report.stdout).toContain(e.taskTitle.slice(0, 20));

    const list = await tm(['list', '--with-subtasks', '--json'], cwd);
    expect(list.code, list.stderr).toBe(0);
    const listed = firstJson(list.stdout) as { tasks: { id: string; subtasks?: { title: string }[] }[] };
    const two = listed.tasks.find((t) => String(t.id) === '2')!;
    expect(two.subtasks?.map((x) => x.title)).toEqual(expanded[1]!.subtasks.map((x) => x.title));

    const show = await tm(['show', '2.1'], cwd);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(expanded[1]!.subtasks[0]!.title);
    const next = await tm(['next'], cwd);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/Next Task: #\d+/);
    const set = await tm(['set-status', '--id=2.1', '--status=done'], cwd);
    expect(set.code, set.stderr).toBe(0);
    const afterSet = JSON.parse(readFileSync(path, 'utf8')).master.tasks;
    const status = (tasks: any[]) =>
      tasks.map((t) => [String(t.id), t.status, (t.subtasks ?? []).map((x: any) => `${x.id}:${x.status}`).join(',')]);
    expect(status(afterSet).find((x) => x[0] === '2')![2]).toMatch(/^1:done/);

    const up = await runCli(['update', '--from', '1', '-p', 'Use PostgreSQL instead of SQLite.'], { cwd, env });
    expect(up.code, up.stderr).toBe(0);
    const afterUpdate = JSON.parse(readFileSync(path, 'utf8')).master.tasks;
    expect(status(afterUpdate)).toEqual(status(afterSet));
  }, 300_000);
});
