import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../../support/cli.js';
import { TASK_MASTER_BIN } from '../../support/task-master.js';
import { type RefusingDir, refusingDir } from '../../support/full-disk.js';
import { AppError } from '../../../src/errors.js';
import { openDatabase, writeTx } from '../../../src/storage/db.js';
import { expectOneErrorLine } from '../../support/expect-error.js';
import { expectUnchanged, snapshot } from './helpers.js';

/**
 * Full and read-only file systems, for real where the OS lets the test mount a tmpfs (root in
 * CI), injected through node's fs otherwise (test/support/full-disk.ts): every case asserts the
 * same outcome either way, and says which one it ran.
 */

const PRD = '# Notes app\n\n## Accounts\nUsers sign up with email.\n\n## Notes\nUsers write notes.\n';
const TASKS = `${JSON.stringify(
  { master: { tasks: [{ id: 1, title: 'Keep me', description: 'd', status: 'pending', dependencies: [] }] } },
  null,
  2,
)}\n`;

let held: RefusingDir[] = [];
afterEach(() => {
  for (const h of held) h.release();
  held = [];
});
function refuse(dir: string, mode: 'full' | 'readonly', populate: (d: string) => void): RefusingDir {
  const r = refusingDir(dir, mode, populate);
  held.push(r);
  process.stdout.write(`[disk] ${mode} file system: ${r.kind}\n`);
  return r;
}

/** task-master's own set-status, offline (the command that silently updated nothing behind a leaked lock). */
function taskMasterSetStatus(cwd: string, id: string, status: string) {
  return new Promise<{ code: number | null; out: string }>((res, rej) => {
    const env = { PATH: process.env.PATH ?? '', HOME: cwd, TASKMASTER_SKIP_AUTO_UPDATE: '1', NO_COLOR: '1' };
    const child = spawn(TASK_MASTER_BIN, ['set-status', `--id=${id}`, `--status=${status}`], { cwd, env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, out }));
    child.stdin.end();
  });
}

describe('a full disk', () => {
  it('parse-prd fails with one line and exit 5, leaves no lock and no temp file; task-master works afterwards', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const tasksDir = join(cwd, '.taskmaster', 'tasks');
    const full = refuse(tasksDir, 'full', (d) => writeFileSync(join(d, 'tasks.json'), TASKS));
    const before = snapshot(cwd);
    const r = await runCli(['parse-prd', '--append'], { cwd, env: full.env });
    expectOneErrorLine(r, { code: 5, match: /tasks\.json(\.lock)?: no space left on device/, hint: /free space/ });
    expect(readdirSync(tasksDir).filter((f) => f !== '.filler')).toEqual(['tasks.json']); // no lock, no tmp
    expectUnchanged(before, snapshot(cwd));

    // The disk has room again: task-master's own writer is not blocked by a leftover lock.
    if (full.kind === 'tmpfs') rmSync(join(tasksDir, '.filler'));
    const tm = await taskMasterSetStatus(cwd, '1', 'done');
    expect(tm.code, tm.out).toBe(0);
    expect(JSON.parse(readFileSync(join(tasksDir, 'tasks.json'), 'utf8')).master.tasks[0].status).toBe('done');
    const again = await runCli(['parse-prd', '--append'], { cwd });
    expect(again.code, again.stderr).toBe(0);
  }, 120_000);

  it('a full disk under local.db is "database or disk is full" naming the file, exit 5', async () => {
    const cwd = tempProject();
    const dbDir = join(cwd, 'dbdir');
    const full = refuse(dbDir, 'full', () => {});
    const dbPath = join(dbDir, 'local.db');
    if (full.kind === 'tmpfs') {
      const before = snapshot(cwd);
      const r = await runCli(['recover', 'status'], { cwd, env: { TASKMASTER_LOCAL_DB: dbPath } });
      expectOneErrorLine(r, {
        code: 5,
        match: /local\.db: (database or disk is full|no space left on device)/,
        hint: /free space/,
      });
      expectUnchanged(before, snapshot(cwd));
      return;
    }
    // SQLite writes through its own C I/O, which the injected fault cannot reach: here SQLite's own
    // page limit makes the file full (the same SQLITE_FULL), and the error is the one the CLI prints.
    const db = openDatabase(dbPath);
    try {
      const pages = Number(db.pragma('page_count', { simple: true }));
      db.pragma(`max_page_count = ${pages + 1}`);
      const write = () =>
        writeTx(db, () => {
          for (let i = 0; i < 200; i++) db.prepare('INSERT INTO failures_probe (x) VALUES (?)').run('x'.repeat(2000));
        });
      db.exec('CREATE TABLE IF NOT EXISTS failures_probe (x TEXT)');
      let err: unknown;
      try {
        write();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('DISK_FULL');
      expect((err as AppError).exitCode).toBe(5);
      expect((err as AppError).message).toBe(`cannot use ${dbPath}: database or disk is full`);
    } finally {
      db.close();
    }
  }, 60_000);
});

describe('a read-only file system', () => {
  it('parse-prd into a read-only tasks directory: one line naming the path, exit 5, nothing changed', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const tasksDir = join(cwd, '.taskmaster', 'tasks');
    const ro = refuse(tasksDir, 'readonly', (d) => writeFileSync(join(d, 'tasks.json'), TASKS));
    const before = snapshot(cwd);
    const r = await runCli(['parse-prd', '--force'], { cwd, env: ro.env });
    expectOneErrorLine(r, { code: 5, match: /tasks\.json(\.lock)?: read-only file system/, hint: /writable/ });
    expect(existsSync(join(tasksDir, 'tasks.json.lock'))).toBe(false);
    expectUnchanged(before, snapshot(cwd));
  }, 60_000);
});
