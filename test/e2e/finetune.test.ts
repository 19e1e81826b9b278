import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { expectOneErrorLine } from '../support/expect-error.js';

describe('finetune (CLI)', () => {
  it('export on an empty history: one line saying what to run first, exit 2, nothing written', async () => {
    const root = tempProject();
    const r = await runCli(['finetune', 'export'], { cwd: root });
    expectOneErrorLine(r, {
      code: 2,
      match: /^error: nothing to export yet: /,
      hint: /^hint: run `task-master-local parse-prd` first/,
    });
    expect(existsSync(join(root, '.taskmaster/finetune'))).toBe(false);
    const bad = await runCli(['finetune', 'export', '--split', '50,40'], { cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--split: three whole percentages summing to 100');
  });

  it('add stores a hand-written pair (once) and export writes it with its secret scrubbed', async () => {
    const root = tempProject({
      'in.txt': 'What is the staging token?',
      'out.txt': 'It is token=ghp_abcdefghijklmnopqrstuvwxyz0123 and stays secret.',
    });
    const a = await runCli(['finetune', 'add', 'in.txt', 'out.txt'], { cwd: root });
    expect(a.stdout).toMatch(/^finetune add: pair 1 stored/);
    const b = await runCli(['finetune', 'add', 'in.txt', 'out.txt'], { cwd: root });
    expect(b.stdout).toContain('already stored');
    const missing = await runCli(['finetune', 'add', 'nope.txt', 'out.txt'], { cwd: root });
    expect(missing.code).toBe(2);
    const e = await runCli(['finetune', 'export', '--out', 'ds', '--split', '100,0,0', '--json'], { cwd: root });
    expect(e.code).toBe(0);
    const r = JSON.parse(e.stdout);
    expect(r.counts).toMatchObject({ examples: 1, train: 1, bySource: { manual: 1 } });
    const line = readFileSync(join(root, 'ds/train.jsonl'), 'utf8');
    expect(line).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123');
    expect(JSON.parse(line).messages[1].content).toBe('It is token=[REDACTED] and stays secret.');
  });

  it('prompts lists the prompt in effect per name, project prompts and refused ones marked', async () => {
    const root = tempProject({
      '.taskmaster/prompts/expand-task/v5.md': 'Break {{item}} of {{open}}{{plan}}{{close}} into {{count}} parts.\n',
      '.taskmaster/prompts/research-answer/v2.md': 'Answer {{question}}.\n',
    });
    const r = await runCli(['finetune', 'prompts'], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^finetune prompts: 1 project prompt\(s\) in effect/);
    expect(r.stdout).toMatch(/expand-task +expand-task@v5\+project +\(project: .*replaces expand-task@v2\)/);
    expect(r.stdout).toMatch(
      /research-answer +research-answer@v1 +\(project prompt NOT used: .*missing \{\{context_block\}\}/,
    );
    expect(r.stdout).toMatch(/parse-prd +parse-prd@v2\n/);
  });
});
