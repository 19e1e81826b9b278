import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli, tempProject } from '../support/cli.js';
import { tasksProject, fakeServerForFile } from '../support/fake-server-fixture.js';
import { firstJson, haveTaskMaster, TASK_MASTER_MISSING, tm } from '../support/task-master.js';

const PRD = readFileSync(join(REPO_ROOT, '.taskmaster', 'docs', 'prd.txt'), 'utf8');

describe('task-master interop', () => {
  it('task-master is installed', () => {
    // A missing task-master fails the suite, never skips it silently.
    expect(haveTaskMaster(), TASK_MASTER_MISSING).toBe(true);
  });

  const fake = fakeServerForFile();

  it('the real task-master lists, shows, nexts and set-status our output, and a later --tag run keeps its edits', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const ours = await runCli(['parse-prd', '--json', '--expand-threshold', '1'], {
      cwd,
      env: fake.env(),
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
      env: fake.env(),
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
    const cwd = tasksProject();
    const env = fake.env();
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
