import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../commands/registry.js';
import { runCli, tempProject } from '../../support/cli.js';
import { expectOneErrorLine } from '../../support/expect-error.js';
import { expectUnchanged, snapshot } from './helpers.js';

/**
 * The README's exit-code table, command by command (issue 16 item 5 / "Done when"): the rows every
 * command can reach here — a usage error, a corrupt config.json, a corrupt tasks.json, no server —
 * each one `error:` line with a `hint:`, the table's code, and no file changed. Exit 3 (privacy) is in
 * runtime.test.ts, 5 (disk) in disk.test.ts, 130 (Ctrl-C) in ctrl-c.test.ts and runtime.test.ts.
 * Servers point at a closed port (test/support/cli.ts), so "no server" is every case's default.
 */

const PRD = '# Notes app\n\n## Accounts\nUsers sign up with email.\n';
const FILES = {
  '.taskmaster/docs/prd.txt': PRD,
  'docs/a.md': '# Zebra\n\nZebras have stripes.\n',
  'spec.json': JSON.stringify({ ranges: { x: { type: 'int', min: 0, max: 10 } } }),
};

/** One invocation of each command (and subcommand) that reads config.json before doing anything else. */
const READS_CONFIG: string[][] = [
  ['models'],
  ['models', '--json'],
  ['optimize', 'list'],
  ['optimize', 'spec.json', '--fitness-command', 'echo 1'],
  ['parse-prd'],
  ['research', 'add', 'docs', '--offline'],
  ['research', 'search', 'zebra', '--offline'],
  ['research', 'what are zebras?', '--offline'],
  ['research', 'sources'],
  ['research', 'sessions'],
  ['improve'],
  ['improve', 'history'],
  ['recover'],
  ['recover', 'status'],
  ['recover', '--run'],
  ['expand', '--id', '1'],
  ['analyze-complexity'],
  ['add-task', '-p', 'a settings page'],
  ['update-task', '-i', '1', '-p', 'x'],
  ['update-subtask', '-i', '1.1', '-p', 'x'],
  ['update', '--from', '1', '-p', 'x'],
  ['scope-up', '-i', '1'],
  ['scope-down', '-i', '1'],
  ['finetune', 'export'],
];

/** Invocations that read tasks.json (parse-prd appends to it, research reads tasks as context or saves into one, the task commands edit it). */
const READS_TASKS: string[][] = [
  ['parse-prd', '--append'],
  ['research', 'what are zebras?', '--offline', '-i', '1'],
  ['research', 'what are zebras?', '--offline', '--save-to', '1'],
  ['expand', '--all'],
  ['analyze-complexity'],
  ['add-task', '-p', 'a settings page'],
  ['update-task', '-i', '1', '-p', 'x'],
  ['update-subtask', '-i', '1.1', '-p', 'x'],
  ['update', '--from', '1', '-p', 'x'],
  ['scope-up', '-i', '1'],
];

async function expectCase(args: string[], files: Record<string, string>, code: number, message: RegExp) {
  const cwd = tempProject({ ...FILES, ...files });
  const before = snapshot(cwd);
  const r = await runCli(args, { cwd });
  expectOneErrorLine(r, { code, match: message });
  expectUnchanged(before, snapshot(cwd), args.join(' '));
}

describe.concurrent("the README's exit codes, command by command", () => {
  it.each(COMMANDS.map((c) => [c.name]))('%s --no-such-flag: 2, naming its --help', async (name) => {
    const r = await runCli([name, '--no-such-flag'], { cwd: tempProject() });
    // commander checks a required option (update-subtask's -i) before unknown ones: a usage error either way
    const usage = /^error: (unknown option '--no-such-flag'|required option '.+' not specified)$/;
    expectOneErrorLine(r, { code: 2, match: usage, hint: new RegExp(`${name} --help`) });
  });

  it.each(READS_CONFIG.map((a) => [a.join(' '), a]))('%s with a corrupt config.json: 2', async (_n, args) => {
    await expectCase(args, { '.taskmaster/config.json': '{ "models": ' }, 2, /config\.json: invalid JSON at line 1/);
  });

  it('health with a corrupt config.json: 1 (unhealthy), the config check failing with the fix', async () => {
    const cwd = tempProject({ '.taskmaster/config.json': '{ "models": ' });
    const r = await runCli(['health'], { cwd });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^\s+FAIL\s+config\s+.*config\.json: invalid JSON at line 1/m);
    expect(r.stdout).toMatch(/^\s+hint: fix the JSON syntax/m);
  });

  it.each(READS_TASKS.map((a) => [a.join(' '), a]))('%s with a corrupt tasks.json: 2', async (_n, args) => {
    await expectCase(args, { '.taskmaster/tasks/tasks.json': '{ "master": ' }, 2, /tasks\.json: invalid JSON/);
  });

  it.each([
    [['parse-prd', '--require-model'], /no model reachable for parse-prd/],
    [['optimize', '--target', 'models', '--generations', '1', '--population', '2'], /no chat model found/],
  ])('%j with no server: 4', async (args, message) => {
    await expectCase(args, {}, 4, message);
  });
});
