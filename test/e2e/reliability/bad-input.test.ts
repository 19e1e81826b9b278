import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../../support/cli.js';
import { expectOneErrorLine } from '../../support/expect-error.js';
import { expectUnchanged, IS_ROOT, NOBODY, openToAll, snapshot } from './helpers.js';

/**
 * The bad-input corpus of issue 16 through the built CLI: each case gives one `error:` line with
 * a `hint:`, the exit code of the README's table, and leaves every file as it was.
 */

const PRD = '# Notes app\n\n## Accounts\nUsers sign up with email.\n\n## Notes\nUsers write notes.\n';
const TASKS = `${JSON.stringify({ master: { tasks: [{ id: 1, title: 'Keep me', status: 'done', dependencies: [] }] } }, null, 2)}\n`;
const SPEC = JSON.stringify({
  ranges: { x: { type: 'int', min: 0, max: 10 } },
  population_size: 4,
  max_generations: 2,
});
const role = (provider: string) => JSON.stringify({ models: { main: { provider, modelId: 'm' } } });

interface Case {
  name: string;
  args: string[];
  code: number;
  message: RegExp;
  hint?: RegExp;
  files?: Record<string, string>;
  /** Prepares what inline files cannot express (directories, links, FIFOs, modes). */
  setup?: (dir: string) => void;
  env?: Record<string, string>;
  /** The case denies a permission: run as nobody when we are root. */
  permission?: boolean;
}

const deny = (p: string) => chmodSync(p, 0o000);

const CASES: Case[] = [
  // config.json
  {
    name: 'config.json is a directory',
    args: ['models'],
    setup: (d) => mkdirSync(join(d, '.taskmaster/config.json')),
    code: 2,
    message: /config\.json: it is a directory/,
  },
  {
    name: 'config.json is unreadable (EACCES)',
    args: ['models'],
    files: { '.taskmaster/config.json': '{}' },
    setup: (d) => deny(join(d, '.taskmaster/config.json')),
    permission: true,
    code: 2,
    message: /cannot read .*config\.json: permission denied/,
  },
  {
    name: 'config.json is not JSON',
    args: ['parse-prd'],
    files: { '.taskmaster/config.json': '{"models": ', '.taskmaster/docs/prd.txt': PRD },
    code: 2,
    message: /config\.json/,
  },
  {
    name: 'config.json names an unknown provider',
    args: ['parse-prd'],
    files: { '.taskmaster/config.json': role('skynet'), '.taskmaster/docs/prd.txt': PRD },
    code: 2,
    message: /models\.main\.provider: unknown provider 'skynet'/,
    hint: /valid providers: ollama, lmstudio/,
  },
  {
    name: 'config.json alias with an unknown provider',
    args: ['models'],
    files: {
      '.taskmaster/config.json': JSON.stringify({ local: { registry: { a: { provider: 'skynet', model: 'm' } } } }),
    },
    code: 2,
    message: /local\.registry\.a\.provider: unknown provider 'skynet'/,
    hint: /valid providers/,
  },
  {
    name: 'models --import of a file with an unknown provider',
    args: ['models', '--import', 'in.json'],
    files: { '.taskmaster/config.json': role('ollama'), 'in.json': role('skynet') },
    code: 2,
    message: /unknown provider 'skynet'/,
    hint: /valid providers/,
  },
  // tasks.json
  {
    name: 'tasks.json is corrupt',
    args: ['parse-prd', '--force'],
    files: { '.taskmaster/tasks/tasks.json': '{"master": {"tasks": [,]}}', '.taskmaster/docs/prd.txt': PRD },
    code: 2,
    message: /tasks\.json: invalid JSON at line 1/,
  },
  {
    name: 'tasks.json is a directory',
    args: ['parse-prd'],
    files: { '.taskmaster/docs/prd.txt': PRD },
    setup: (d) => mkdirSync(join(d, '.taskmaster/tasks/tasks.json'), { recursive: true }),
    code: 2,
    message: /tasks\.json: it is a directory/,
  },
  {
    name: 'tasks.json is unreadable (EACCES)',
    args: ['parse-prd', '--force'],
    files: { '.taskmaster/tasks/tasks.json': TASKS, '.taskmaster/docs/prd.txt': PRD },
    setup: (d) => deny(join(d, '.taskmaster/tasks/tasks.json')),
    permission: true,
    code: 2,
    message: /tasks\.json: permission denied/,
  },
  {
    name: '-o is a directory',
    args: ['parse-prd', '-o', 'out'],
    files: { '.taskmaster/docs/prd.txt': PRD, 'out/keep.txt': 'x' },
    code: 2,
    message: /out: it is a directory/,
  },
  {
    name: '-o below a file (ENOTDIR)',
    args: ['parse-prd', '-o', 'afile/tasks.json'],
    files: { '.taskmaster/docs/prd.txt': PRD, afile: 'x' },
    code: 2,
    message: /afile.*(a file where a directory is expected|it already exists)/,
  },
  // the PRD
  {
    name: 'PRD is unreadable (EACCES)',
    args: ['parse-prd'],
    files: { '.taskmaster/docs/prd.txt': PRD },
    setup: (d) => deny(join(d, '.taskmaster/docs/prd.txt')),
    permission: true,
    code: 2,
    message: /prd\.txt: permission denied/,
  },
  {
    name: 'PRD is a symlink loop (ELOOP, not "not found")',
    args: ['parse-prd', 'loop-a'],
    setup: (d) => {
      symlinkSync('loop-b', join(d, 'loop-a'));
      symlinkSync('loop-a', join(d, 'loop-b'));
    },
    code: 2,
    message: /loop-a: too many levels of symbolic links/,
  },
  {
    name: 'PRD is a FIFO (refused, never read)',
    args: ['parse-prd', 'pipe'],
    setup: (d) => execFileSync('mkfifo', [join(d, 'pipe')]),
    code: 2,
    message: /pipe is not a file/,
  },
  {
    name: 'PRD is a directory',
    args: ['parse-prd', '.taskmaster'],
    code: 2,
    message: /\.taskmaster is not a file/,
  },
  // research add given something that is not a file (a FIFO used to block forever)
  {
    name: 'research add <fifo>',
    args: ['research', 'add', 'pipe'],
    setup: (d) => execFileSync('mkfifo', [join(d, 'pipe')]),
    code: 2,
    message: /pipe is a FIFO/,
  },
  {
    name: 'research add <socket>',
    args: ['research', 'add', 'sock'],
    // a process that binds a UNIX socket and exits without closing it leaves the socket file behind
    setup: (d) =>
      execFileSync(process.execPath, [
        '-e',
        `require('net').createServer().listen(${JSON.stringify(join(d, 'sock'))}, () => process.exit(0))`,
      ]),
    code: 2,
    message: /sock is a socket/,
  },
  {
    name: 'research add <device>',
    args: ['research', 'add', '/dev/null'],
    code: 2,
    message: /\/dev\/null is a character device/,
  },
  {
    name: 'research add <symlink loop>',
    args: ['research', 'add', 'loop-a'],
    setup: (d) => {
      symlinkSync('loop-b', join(d, 'loop-a'));
      symlinkSync('loop-a', join(d, 'loop-b'));
    },
    code: 2,
    message: /loop-a \(unreadable \(ELOOP\)\)/,
  },
  {
    name: 'research add <unreadable file> (EACCES)',
    args: ['research', 'add', 'secret.md'],
    files: { 'secret.md': '# secret' },
    setup: (d) => deny(join(d, 'secret.md')),
    permission: true,
    code: 2,
    message: /secret\.md \(unreadable \(EACCES\)\)/,
  },
  // models --export/--import
  {
    name: 'models --export to a directory',
    args: ['models', '--export', 'out'],
    files: { '.taskmaster/config.json': role('ollama'), 'out/keep.txt': 'x' },
    code: 2,
    message: /cannot write .*out: it is a directory/,
  },
  {
    name: 'models --import of a directory',
    args: ['models', '--import', 'out'],
    files: { '.taskmaster/config.json': role('ollama'), 'out/keep.txt': 'x' },
    code: 2,
    message: /out/,
  },
  // environment variables
  ...[':::', 'http://127.0.0.1:99999', 'ftp://127.0.0.1:11434', 'http://user:pw@127.0.0.1:0'].map(
    (v): Case => ({
      name: `OLLAMA_HOST=${v} is invalid, not "not local"`,
      args: ['models'],
      env: { OLLAMA_HOST: v },
      code: 2,
      message: /^error: OLLAMA_HOST=.* is invalid: /,
      hint: /set OLLAMA_HOST to host:port/,
    }),
  ),
  // sizes that would run for hours
  {
    name: 'optimize --population 100000000',
    args: ['optimize', 'spec.json', '--fitness-command', 'echo 1', '--population', '100000000'],
    files: { 'spec.json': SPEC },
    code: 2,
    message: /population_size 100,000,000 is above the limit of 1,000/,
    hint: /--force/,
  },
  {
    name: 'optimize --generations 100000',
    args: ['optimize', 'spec.json', '--fitness-command', 'echo 1', '--generations', '100000'],
    files: { 'spec.json': SPEC },
    code: 2,
    message: /max_generations 100,000 is above the limit/,
    hint: /--force/,
  },
  {
    name: 'optimize spec that is a symlink loop',
    args: ['optimize', 'loop-a', '--fitness-command', 'echo 1'],
    setup: (d) => {
      symlinkSync('loop-b', join(d, 'loop-a'));
      symlinkSync('loop-a', join(d, 'loop-b'));
    },
    code: 2,
    message: /loop-a: too many levels of symbolic links/,
  },
  // commander's own errors
  {
    name: 'unknown option',
    args: ['parse-prd', '--bogus'],
    code: 2,
    message: /unknown option '--bogus'/,
    hint: /parse-prd --help/,
  },
  {
    name: 'misspelt option',
    args: ['research', '--jsn', 'q'],
    code: 2,
    message: /unknown option '--jsn'/,
    hint: /did you mean --json\?/,
  },
  {
    name: 'missing option value',
    args: ['models', '--mode'],
    code: 2,
    message: /argument missing/,
    hint: /models --help/,
  },
  { name: 'unknown recover action', args: ['recover', 'frobnicate'], code: 2, message: /frobnicate/ },
  // no server or model
  {
    name: '--require-model with no server',
    args: ['parse-prd', '--require-model'],
    files: { '.taskmaster/docs/prd.txt': PRD },
    code: 4,
    message: /no model/i,
  },
];

describe.concurrent('bad input: one line, a hint, the documented exit code, nothing written', () => {
  it.each(CASES)('$name', async (c) => {
    const dir = tempProject(c.files ?? {});
    const asNobody = c.permission && IS_ROOT;
    if (asNobody) openToAll(dir);
    c.setup?.(dir);
    const before = snapshot(dir);
    const r = await runCli(c.args, {
      cwd: dir,
      env: c.env ?? {},
      ...(asNobody ? { uid: NOBODY } : {}),
      timeoutMs: 30_000,
    });
    expectOneErrorLine(r, { code: c.code, match: c.message, hint: c.hint });
    // a password given in a setting is never echoed
    expect(r.stderr + r.stdout).not.toMatch(/:pw@/);
    expectUnchanged(before, snapshot(dir), c.name);
  });
});
