import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { NO_SERVER, TASKS_FILE, tasksProject, fakeServerForFile } from '../support/fake-server-fixture.js';
import { fixture } from '../support/tasks-fixture.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const fake = fakeServerForFile();
const env = fake.env;
const REPORT = '.taskmaster/reports/task-complexity-report.json';
/** The fixture in two tags: master and feature-x. */
const twoTags = () => {
  const master = JSON.parse(fixture()).master;
  return JSON.stringify({ master, 'feature-x': master }, null, 2);
};

describe('analyze-complexity and complexity-report (CLI, fake server)', () => {
  it("writes task-master's report in batches, per tag, merging later runs; complexity-report renders and --json prints it", async () => {
    const cwd = tempProject({ [TASKS_FILE]: twoTags() });
    fake.server.reset();
    const r = await runCli(['analyze-complexity', '--batch-size', '2', '--json'], { cwd, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.batches).toBe(2);
    expect(fake.server.requests.filter((q) => q.path === '/api/chat')).toHaveLength(2);
    const report = JSON.parse(readFileSync(join(cwd, REPORT), 'utf8'));
    // Unfinished tasks only (task 4 is done), ids set by code, task-master's field names.
    expect(report.complexityAnalysis.map((e: { taskId: number }) => e.taskId)).toEqual([1, 2, 3, 5]);
    for (const e of report.complexityAnalysis) {
      expect(Object.keys(e).sort()).toEqual(
        ['complexityScore', 'expansionPrompt', 'reasoning', 'recommendedSubtasks', 'taskId', 'taskTitle'].sort(),
      );
      expect(Number.isInteger(e.complexityScore) && e.complexityScore >= 1 && e.complexityScore <= 10).toBe(true);
    }
    expect(report.meta).toMatchObject({ tasksAnalyzed: 4, totalTasks: 5, analysisCount: 4, thresholdScore: 5 });

    // Another tag writes its own file; --id merges into the existing report.
    const tagged = await runCli(['analyze-complexity', '--tag', 'feature-x', '-i', '4', '-t', '7'], {
      cwd,
      env: env(),
    });
    expect(tagged.code, tagged.stderr).toBe(0);
    const fx = JSON.parse(readFileSync(join(cwd, '.taskmaster/reports/task-complexity-report_feature-x.json'), 'utf8'));
    expect(fx.complexityAnalysis.map((e: { taskId: number }) => e.taskId)).toEqual([4]);
    const again = await runCli(['analyze-complexity', '-i', '4'], { cwd, env: env() });
    expect(again.code, again.stderr).toBe(0);
    const merged = JSON.parse(readFileSync(join(cwd, REPORT), 'utf8'));
    expect(merged.complexityAnalysis.map((e: { taskId: number }) => e.taskId)).toEqual([1, 2, 3, 4, 5]);
    expect(merged.meta).toMatchObject({ tasksAnalyzed: 1, analysisCount: 5 });

    const show = await runCli(['complexity-report'], { cwd });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/5 tasks analysed/);
    const json = await runCli(['complexity-report', '--tag', 'feature-x', '--json'], { cwd });
    expect(JSON.parse(json.stdout)).toEqual(fx);
  }, 60_000);

  it('bad input: one line with a hint, exit 2, files untouched', async () => {
    const cwd = tempProject({ [TASKS_FILE]: fixture(), 'corrupt.json': '{"meta": {}, "complexityAnalysis": 3}' });
    const before = readFileSync(join(cwd, TASKS_FILE), 'utf8');
    for (const [args, re] of [
      [['analyze-complexity', '--from', '12'], /--from 12 is beyond the last task \(5\)/],
      [['analyze-complexity', '-i', '2.1'], /2\.1 is a subtask id/],
      [['analyze-complexity', '-i', '9'], /task 9 does not exist/],
      [['analyze-complexity', '--tag', 'nope'], /tag "nope" does not exist/],
      [['analyze-complexity', '-o', 'corrupt.json'], /corrupt\.json is not a valid complexity report/],
      [['analyze-complexity', '-t', '11'], /--threshold: must be ≤ 10/],
      [['complexity-report'], /no complexity report at/],
      [['complexity-report', '-f', 'corrupt.json'], /not a valid complexity report: complexityAnalysis/],
    ] as const) {
      const r = await runCli([...args], { cwd, env: env() });
      expectOneErrorLine(r, { code: 2, match: re, label: args.join(' ') });
    }
    expect(readFileSync(join(cwd, TASKS_FILE), 'utf8')).toBe(before);
    expect(readFileSync(join(cwd, 'corrupt.json'), 'utf8')).toBe('{"meta": {}, "complexityAnalysis": 3}');
    expect(existsSync(join(cwd, REPORT))).toBe(false);
  }, 60_000);

  it('no model reachable: heuristic scores, labelled in every entry and in the output', async () => {
    const cwd = tasksProject();
    const r = await runCli(['analyze-complexity'], { cwd, env: NO_SERVER });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/scores are heuristic/);
    expect(r.stdout).toMatch(/models: none \(heuristic scores\)/);
    const report = JSON.parse(readFileSync(join(cwd, REPORT), 'utf8'));
    expect(report.complexityAnalysis).toHaveLength(4);
    for (const e of report.complexityAnalysis) expect(e.reasoning).toMatch(/^\[heuristic, no model\]/);
    // The task with a three-item list scores above the three-word one.
    const score = (id: number) =>
      report.complexityAnalysis.find((e: { taskId: number }) => e.taskId === id).complexityScore;
    expect(score(1)).toBeGreaterThan(score(5));
    const show = await runCli(['complexity-report'], { cwd });
    expect(show.stdout).toMatch(/heuristic scores \(no model\)/);
  }, 60_000);
});
