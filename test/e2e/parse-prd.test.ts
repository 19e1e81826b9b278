import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempProject } from '../support/cli.js';
import { fakeServerForFile } from '../support/fake-server-fixture.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const PRD = readFileSync(new URL('../../.taskmaster/docs/prd.txt', import.meta.url), 'utf8');
const fake = fakeServerForFile();
const env = fake.env;
const tasksOf = (cwd: string) => JSON.parse(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8'));

describe('parse-prd (CLI, fake server)', () => {
  it('writes task-master tasks with subtasks at depth 2, JSON-only stdout, then refuses the same tag without --force', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const r = await runCli(['parse-prd', '--json', '--expand-threshold', '1'], { cwd, env: env() });
    expect(r.stderr).toMatch(/parse-prd: \d+ tasks · \d+ subtasks · depth 2 · \d+ LLM calls/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.written).toBe(true);
    expect(out.summary.depth).toBe(2);
    const file = tasksOf(cwd);
    expect(file.master.tasks).toEqual(out.tasks);
    expect(file.master.tasks.some((t: { subtasks: unknown[] }) => t.subtasks.length > 0)).toBe(true);

    const before = readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8');
    const again = await runCli(['parse-prd'], { cwd, env: env() });
    expectOneErrorLine(again, { code: 2, match: /error: tag "master" .* already has \d+ tasks/, hint: /use --force/ });
    expect(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')).toBe(before);

    const app = await runCli(['parse-prd', '--append', '--max-depth', '1', '-n', '2'], { cwd, env: env() });
    expect(app.code).toBe(0);
    const ids = tasksOf(cwd).master.tasks.map((t: { id: number }) => t.id);
    expect(ids).toEqual(ids.map((_: number, i: number) => i + 1));
    expect(ids.length).toBeGreaterThan(out.tasks.length);
  }, 60_000);

  it('rejects bad PRDs and a malformed tasks.json with one line and a hint, writing nothing', async () => {
    const cwd = tempProject({ 'empty.txt': '', 'bin.txt': Buffer.from([0, 1, 2, 3]), 'prd.md': PRD });
    for (const [args, re] of [
      [['parse-prd', 'missing.txt'], /PRD file not found/],
      [['parse-prd', 'empty.txt'], /is empty/],
      [['parse-prd', 'bin.txt'], /looks binary/],
      [['parse-prd', 'prd.md', '--force', '--append'], /cannot be combined/],
      [['parse-prd', 'prd.md', '--max-depth', 'x'], /--max-depth/],
    ] as const) {
      const r = await runCli([...args], { cwd, env: env() });
      expectOneErrorLine(r, { code: 2, match: re, label: args.join(' ') });
    }
    const bad = '{\n  "master": {\n    "tasks": [,]\n  }\n}\n';
    const p = join(cwd, 'tasks.json');
    writeFileSync(p, bad);
    const r = await runCli(['parse-prd', 'prd.md', '-o', 'tasks.json', '--tag', 'other'], { cwd, env: env() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/line 3, column 15/);
    expect(readFileSync(p, 'utf8')).toBe(bad);
  }, 60_000);

  it('--dry-run writes nothing; no model reachable uses the structural planner, --require-model fails', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const dry = await runCli(['parse-prd', '--dry-run'], { cwd, env: env() });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing written');
    expect(existsSync(join(cwd, '.taskmaster/tasks/tasks.json'))).toBe(false);

    // A fresh project: the dry run above left checkpoints that would let a rerun finish without a model.
    const cwd2 = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const req = await runCli(['parse-prd', '--require-model'], { cwd: cwd2 });
    expectOneErrorLine(req, { code: 4, match: /^error: no model reachable for parse-prd/, hint: /ollama/ });
    expect(existsSync(join(cwd2, '.taskmaster/tasks/tasks.json'))).toBe(false);

    const st = await runCli(['parse-prd'], { cwd: cwd2 });
    expect(st.code).toBe(0);
    expect(st.stderr).toMatch(/structural planner/);
    expect(st.stdout).toMatch(/models: none \(structural planner\)/);
    const tasks = tasksOf(cwd2).master.tasks;
    expect(tasks.length).toBeGreaterThan(2);
    expect(tasks.every((t: { details: string }) => t.details.includes('[structural planner]'))).toBe(true);
  }, 60_000);

  it('recovers from a fenced and a truncated answer by re-asking, and fails cleanly on persistent schema breaks', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    fake.server.reset();
    fake.server.fault({ kind: 'truncated', times: 1 });
    fake.server.fault({ kind: 'fenced', times: 1 });
    const ok = await runCli(['parse-prd', '--json', '--no-cache', '--max-depth', '1'], { cwd, env: env() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).summary.reasks).toBeGreaterThanOrEqual(1);

    const cwd2 = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    fake.server.reset();
    fake.server.fault({ kind: 'schema-break', times: 1000 });
    const bad = await runCli(['parse-prd', '--no-cache', '--tag', 'x'], { cwd: cwd2, env: env() });
    fake.server.reset();
    expectOneErrorLine(bad);
    expect(existsSync(join(cwd2, '.taskmaster/tasks/tasks.json'))).toBe(false);
  }, 60_000);
});
