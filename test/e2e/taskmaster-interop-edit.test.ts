import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tasksProject, fakeServerForFile } from '../support/fake-server-fixture.js';
import { haveTaskMaster, TASK_MASTER_MISSING, tm } from '../support/task-master.js';

const sub = (id: number, title: string, deps: number[] = []) => ({
  id,
  title,
  description: `${title}.`,
  details: '',
  status: 'pending',
  dependencies: deps,
});
const TASKS = JSON.stringify({
  master: {
    tasks: [
      {
        id: 1,
        title: 'Set up',
        description: 'Repo.',
        details: '',
        testStrategy: '',
        status: 'pending',
        dependencies: [],
        priority: 'high',
        subtasks: [],
      },
      {
        id: 2,
        title: 'Login API',
        description: 'Login.',
        details: 'bcrypt',
        testStrategy: 'tests',
        status: 'pending',
        dependencies: [1],
        priority: 'high',
        subtasks: [sub(1, 'Hash'), sub(2, 'Tokens', [1])],
      },
      {
        id: 3,
        title: 'Profile page',
        description: 'Profile.',
        details: '',
        testStrategy: '',
        status: 'pending',
        dependencies: [2],
        priority: 'medium',
        subtasks: [],
      },
      {
        id: 4,
        title: 'Deploy',
        description: 'Ship.',
        details: 'docker',
        testStrategy: '',
        status: 'pending',
        dependencies: [2, 3],
        priority: 'low',
        subtasks: [],
      },
    ],
  },
});

type Task = { id: unknown; status: string; title: string; dependencies: unknown[]; subtasks?: Task[] };
const tasksOf = (cwd: string): Task[] =>
  JSON.parse(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')).master.tasks;
const shape = (ts: Task[]) =>
  ts.map((t) => ({
    id: t.id,
    status: t.status,
    deps: t.dependencies,
    subs: (t.subtasks ?? []).map((s) => [s.id, s.status, s.dependencies]),
  }));

const fake = fakeServerForFile();

describe('task-master interop for the task edits', () => {
  it("after task-master's set-status, our update --from keeps every status, id and dependency; task-master reads the result", async () => {
    expect(haveTaskMaster(), TASK_MASTER_MISSING).toBe(true);
    const cwd = tasksProject(TASKS);
    for (const [id, status] of [
      ['1,2.1', 'done'],
      ['2', 'in-progress'],
    ]) {
      const r = await tm(['set-status', `--id=${id}`, `--status=${status}`], cwd);
      expect(r.code, r.stderr).toBe(0);
    }
    // task-master's tm-core writer has rewritten the tag (string ids, parentId, its metadata).
    const before = tasksOf(cwd);
    expect(before[0]!.id).toBe('1');
    const env = fake.env();
    const r = await runCli(['update', '--from', '1', '-p', 'we moved to Postgres', '--json'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tasks.map((t: { id: string }) => t.id)).toEqual(['2', '3', '4']);
    const after = tasksOf(cwd);
    expect(shape(after)).toEqual(shape(before));
    expect(after[1]!.subtasks![0]).toEqual(before[1]!.subtasks![0]);
    expect(after.slice(1).every((t, i) => t.title !== before[i + 1]!.title)).toBe(true);

    const note = await runCli(['update-subtask', '--id', '2.2', '-p', 'refresh tokens expire in 15 minutes'], {
      cwd,
      env,
    });
    expect(note.code, note.stderr).toBe(0);
    const added = await runCli(['add-task', '-t', 'Runbook', '-d', 'Ops notes.', '--dependencies', '4'], { cwd, env });
    expect(added.code, added.stderr).toBe(0);

    const noted = tasksOf(cwd)[1]!.subtasks![1]!;
    expect((noted as unknown as { details: string }).details).toMatch(
      /<info added on [^>]+>\n[\s\S]+\n<\/info added on /,
    );
    // task-master still reads the whole file (its list validates every task and subtask).
    const list = await tm(['list', '--with-subtasks'], cwd);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('Runbook');
  }, 300_000);
});
