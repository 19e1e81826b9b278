import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, runCli, tempProject } from '../support/cli.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

/** A fake task-master: prints its args and cwd, exits with $FAKE_TM_EXIT. */
function fakeTaskMaster(dir: string, name = 'task-master', tag = 'fake'): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\necho "${tag} ARGS:$*"\necho "CWD:$(pwd)"\nexit \${FAKE_TM_EXIT:-0}\n`);
  chmodSync(p, 0o755);
  return p;
}

// Records every module the process resolves: ESM through a loader hook, CJS through _resolveFilename.
function importRecorder(): { register: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tml-hook-'));
  const log = join(dir, 'imports.log');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
let out;
export function initialize(d) { out = d.out; }
export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(out, r.url + '\\n'); return r; }
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
const out = ${JSON.stringify(log)};
register('./hooks.mjs', import.meta.url, { data: { out } });
const orig = Module._resolveFilename;
Module._resolveFilename = function (...a) { const r = orig.apply(this, a); appendFileSync(out, r + '\\n'); return r; };
`,
  );
  writeFileSync(log, '');
  return { register: join(dir, 'register.mjs'), log };
}

describe('cli basics', () => {
  it('--version prints the package version', async () => {
    const r = await runCli(['--version'], { cwd: tempProject() });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists our commands and says what is forwarded', async () => {
    const r = await runCli(['--help'], { cwd: tempProject() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: task-master-local');
    expect(r.stdout).toMatch(/forwarded to an installed task-master/);
  });

  it('`help` and `help models` are ours, not forwarded', async () => {
    const env = { PATH: '/nonexistent' };
    const all = await runCli(['help'], { cwd: tempProject(), env });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^ +models +/m);
    const one = await runCli(['help', 'models'], { cwd: tempProject(), env });
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('Usage: task-master-local models [options]');
    expect(one.stdout).toContain('--set-main <id>');
  });

  it('an unknown option is a usage error (exit 2)', async () => {
    const r = await runCli(['--no-such-flag'], { cwd: tempProject() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });

  for (const argv of [['--help'], ['--version'], ['health', '--json']]) {
    it(`${argv.join(' ')} loads no ink, react, ollama or node-llama-cpp module`, () => {
      const rec = importRecorder();
      const r = spawnSync(process.execPath, ['--import', rec.register, CLI, ...argv], {
        cwd: tempProject(),
        // No server anywhere: health fails fast and must still not pull in UI or SDK code.
        env: {
          PATH: process.env.PATH ?? '',
          NO_COLOR: '1',
          CI: '1',
          OLLAMA_HOST: '127.0.0.1:9',
          LM_STUDIO_HOST: '127.0.0.1:9',
          LOCAL_AI_HOST: '127.0.0.1:9',
        },
        encoding: 'utf8',
      });
      if (argv[0] !== 'health') expect(r.status).toBe(0);
      else expect(r.stdout).toMatch(/^\{/);
      const loaded = readFileSync(rec.log, 'utf8').split('\n').filter(Boolean);
      // The recorder works: the CLI entry and commander were seen.
      expect(loaded.some((u) => u.includes('/dist/commands/cli.js'))).toBe(true);
      expect(loaded.some((u) => /node_modules\/commander\//.test(u))).toBe(true);
      const heavy = loaded.filter((u) =>
        /node_modules\/(ink|react|react-reconciler|ollama|node-llama-cpp|@ai-sdk|openai)\//.test(u),
      );
      expect(heavy).toEqual([]);
    });
  }

  it('complexity-report loads no zod, SQLite, ink or model code (its cold start target is 150 ms above bare node)', () => {
    const rec = importRecorder();
    const report = {
      complexityAnalysis: [{ taskId: 1, taskTitle: 'One', complexityScore: 7, recommendedSubtasks: 3 }],
    };
    const cwd = tempProject({ '.taskmaster/reports/task-complexity-report.json': JSON.stringify(report) });
    const r = spawnSync(process.execPath, ['--import', rec.register, CLI, 'complexity-report'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', CI: '1' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 tasks analysed/);
    const loaded = readFileSync(rec.log, 'utf8').split('\n').filter(Boolean);
    expect(loaded.some((u) => u.includes('/dist/commands/complexity-report.js'))).toBe(true);
    const heavy = loaded.filter((u) =>
      /node_modules\/(zod|better-sqlite3|sqlite-vec|ink|react|ollama|node-llama-cpp|cli-progress)\//.test(u),
    );
    expect(heavy).toEqual([]);
  });
});

describe('forwarding to task-master', () => {
  it('forwards the command and its args from PATH, with its exit code', async () => {
    const cwd = tempProject();
    const bin = join(mkdtempSync(join(tmpdir(), 'tml-bin-')), 'bin');
    fakeTaskMaster(bin);
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    const ok = await runCli(['list', '--status', 'pending', '--with-subtasks'], { cwd, env });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('fake ARGS:list --status pending --with-subtasks');
    expect(ok.stdout).toContain(`CWD:${cwd}`);
    const failed = await runCli(['set-status', '--id=2', '--status=done'], { cwd, env: { ...env, FAKE_TM_EXIT: '3' } });
    expect(failed.code).toBe(3);
    expect(failed.stdout).toContain('ARGS:set-status --id=2 --status=done');
  });

  it('prefers TASK_MASTER_BIN, then node_modules/.bin above the cwd, then PATH', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tml-fwd-'));
    const cwd = join(root, 'proj', 'sub');
    mkdirSync(join(cwd, '.taskmaster'), { recursive: true });
    fakeTaskMaster(join(root, 'node_modules', '.bin'), 'task-master', 'local');
    const pathBin = join(root, 'pathbin');
    fakeTaskMaster(pathBin, 'task-master', 'global');
    const explicit = fakeTaskMaster(join(root, 'elsewhere'), 'tm', 'explicit');
    const env = { PATH: `${pathBin}:/usr/bin:/bin` };
    expect((await runCli(['next'], { cwd, env })).stdout).toContain('local ARGS:next');
    expect((await runCli(['show', '3'], { cwd, env: { ...env, TASK_MASTER_BIN: explicit } })).stdout).toContain(
      'explicit ARGS:show 3',
    );
  });

  it('without task-master says so in one line with a hint', async () => {
    const r = await runCli(['next'], { cwd: tempProject(), env: { PATH: '/nonexistent' } });
    expectOneErrorLine(r, {
      match: "error: 'next' is a task-master command, and task-master is not installed",
      hint: /npm install -g task-master-ai/,
    });
    expect(r.stdout).toBe('');
  });

  it('a TASK_MASTER_BIN that points nowhere is an error, not a silent fallback', async () => {
    const bin = join(mkdtempSync(join(tmpdir(), 'tml-bin-')), 'bin');
    fakeTaskMaster(bin);
    const r = await runCli(['list'], {
      cwd: tempProject(),
      env: { PATH: bin, TASK_MASTER_BIN: '/no/such/task-master' },
    });
    expectOneErrorLine(r, { match: /^error: TASK_MASTER_BIN=\/no\/such\/task-master is not an executable file/ });
    expect(r.stdout).not.toContain('ARGS');
  });
});
