import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { NO_SERVER, TASKS_FILE, tasksProject, fakeServerForFile } from '../support/fake-server-fixture.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const fake = fakeServerForFile();
const env = fake.env;

const read = (cwd: string) => readFileSync(join(cwd, TASKS_FILE), 'utf8');
const tasksOf = (cwd: string) => JSON.parse(read(cwd)).master.tasks as Record<string, any>[];

describe('expand (CLI, fake server)', () => {
  it('--id appends subtasks after the existing ones; --force replaces them; JSON-only stdout', async () => {
    const cwd = tasksProject();
    const r = await runCli(['expand', '--id', '5', '-n', '3', '--json'], { cwd, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.expanded[0].id).toBe(5);
    const t5 = tasksOf(cwd).find((t) => t.id === 5)!;
    expect(t5.subtasks[0]).toMatchObject({ id: 1, title: 'Snooze API', status: 'done' });
    expect(t5.subtasks.map((s: { id: number }) => s.id)).toEqual(t5.subtasks.map((_: unknown, i: number) => i + 1));
    expect(t5.subtasks.length).toBeGreaterThanOrEqual(2);
    for (const s of t5.subtasks.slice(1)) {
      expect(s.status).toBe('pending');
      for (const d of s.dependencies)
        expect(t5.subtasks.some((x: { id: number }) => x.id === d && x.id !== s.id)).toBe(true);
    }
    // The request carried the subtask it keeps, so the new ones add to it.
    const body = JSON.stringify(fake.server.requests.filter((q) => q.path === '/api/chat').at(-1)?.body);
    expect(body).toContain('Subtasks it already has: Snooze API');
    expect(r.stderr).toMatch(/^expand: 1 tasks · \d+ subtasks · 1 LLM calls/m);

    const f = await runCli(['expand', '--id', '5', '--force', '-n', '2'], { cwd, env: env() });
    expect(f.code, f.stderr).toBe(0);
    const again = tasksOf(cwd).find((t) => t.id === 5)!;
    expect(again.subtasks[0].title).not.toBe('Snooze API');
    expect(again.subtasks[0].id).toBe(1);
    expect(f.stdout).toMatch(/replaced \d+ subtasks/);
  }, 60_000);

  it('--all expands pending tasks without subtasks in parallel, leaves others alone and writes once', async () => {
    const cwd = tasksProject();
    fake.server.reset();
    const r = await runCli(['expand', '--all', '--json', '--no-cache'], { cwd, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.expanded.map((e: { id: number }) => e.id)).toEqual([1, 2, 3]);
    expect(out.skipped).toEqual([{ id: 5, reason: expect.stringMatching(/has subtasks/) }]);
    const tasks = tasksOf(cwd);
    expect(tasks.find((t) => t.id === 4)!.subtasks).toEqual([]);
    expect(tasks.find((t) => t.id === 5)!.subtasks).toHaveLength(1);
    expect(out.summary.llmCalls).toBe(3);
    // Every request opens with the same block: system text, then the project's task list.
    const chats = fake.server.requests.filter((q) => q.path === '/api/chat').map((q) => (q.body as any).messages);
    expect(chats).toHaveLength(3);
    const head = (m: { content: string }[]) => m[0]!.content + m[1]!.content.split('<<<END PROJECT>>>')[0];
    expect(new Set(chats.map(head)).size).toBe(1);
  }, 60_000);

  it('recovers fenced, <think>, prose-wrapped and truncated answers by re-asking, fails cleanly on persistent schema breaks', async () => {
    const cwd = tasksProject();
    fake.server.reset();
    // Requests in order (concurrency 1): truncated, its re-ask fenced, then think and prose.
    fake.server.fault({ kind: 'truncated', times: 1 });
    fake.server.fault({ kind: 'fenced', times: 1 });
    fake.server.fault({ kind: 'think', times: 1 });
    fake.server.fault({ kind: 'prose', times: 1 });
    const ok = await runCli(['expand', '--all', '--json', '--no-cache', '--concurrency', '1'], { cwd, env: env() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).expanded).toHaveLength(3);
    expect(JSON.parse(ok.stdout).summary.reasks).toBeGreaterThanOrEqual(1);

    const cwd2 = tasksProject();
    const before = read(cwd2);
    fake.server.reset();
    fake.server.fault({ kind: 'schema-break', times: 1000 });
    const bad = await runCli(['expand', '--id', '2', '--no-cache'], { cwd: cwd2, env: env() });
    fake.server.reset();
    expectOneErrorLine(bad);
    expect(read(cwd2)).toBe(before);
  }, 60_000);

  it('bad input: one line with a hint, exit 2, tasks.json byte-identical', async () => {
    const cwd = tasksProject();
    const before = read(cwd);
    writeFileSync(join(cwd, 'bad-report.json'), '{"complexityAnalysis": [{"taskId": "x"}]}');
    for (const [args, re] of [
      [['expand', '--id', '9'], /task 9 does not exist in tag "master"/],
      [['expand', '--id', '2.1'], /2\.1 is a subtask id/],
      [['expand', '--id', 'abc'], /"abc" is not a task id/],
      [['expand', '--id', '2', '--tag', 'nope'], /tag "nope" does not exist/],
      [['expand'], /expand needs --id <id> or --all/],
      [['expand', '--id', '2', '--all'], /cannot be combined/],
      [['expand', '--id', '2', '-p', ' '], /--prompt is empty/],
      [['expand', '--id', '2', '-cr', 'bad-report.json'], /is not a valid complexity report/],
      [['expand', '--id', '2', '-cr', 'missing.json'], /missing\.json does not exist/],
      [['expand', '--id', '2', '--max-depth', '9'], /--max-depth: must be ≤ 4/],
    ] as const) {
      const r = await runCli([...args], { cwd, env: env() });
      expectOneErrorLine(r, { code: 2, match: re, label: args.join(' ') });
      expect(read(cwd)).toBe(before);
    }
    const shape = tempProject({
      [TASKS_FILE]: JSON.stringify({
        master: {
          tasks: [
            { id: 1, title: 'a' },
            { id: 1, title: 'b' },
          ],
        },
      }),
    });
    const s0 = read(shape);
    const r = await runCli(['expand', '--all'], { cwd: shape, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/task id 1 appears twice/);
    expect(read(shape)).toBe(s0);
  }, 60_000);

  it("no model reachable: the structural planner splits each task's own details, labelled", async () => {
    const cwd = tasksProject();
    const r = await runCli(['expand', '--all'], { cwd, env: NO_SERVER });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: no model reachable/);
    expect(r.stderr).toMatch(/structural planner/);
    expect(r.stdout).toMatch(/models: none \(structural planner\)/);
    const tasks = tasksOf(cwd);
    expect(tasks[0]!.subtasks.map((s: { title: string }) => s.title)).toEqual([
      'add a README',
      'add CI',
      'add a license',
    ]);
    expect(tasks[1]!.subtasks).toHaveLength(3); // three sentences
    for (const s of [...tasks[0]!.subtasks, ...tasks[1]!.subtasks]) expect(s.details).toContain('[structural planner]');
    expect(r.stderr).toMatch(/task 3 skipped: no list or steps/);
  }, 60_000);
});
