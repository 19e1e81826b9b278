/** The real task-master (task-master-ai 0.43.1), installed by `npm test` into .test-deps/ (1.4 GB, so not a dependency). */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export const TASK_MASTER_BIN =
  process.env.TASK_MASTER_BIN || join(REPO_ROOT, '.test-deps', 'task-master', 'node_modules', '.bin', 'task-master');

/** Fails the test, never skips it, when task-master is missing. */
export const TASK_MASTER_MISSING = `task-master not found at ${TASK_MASTER_BIN}; run \`node scripts/test-extras.mjs\` (npm test runs it first)`;
export const haveTaskMaster = () => existsSync(TASK_MASTER_BIN);

/** Runs task-master offline in `cwd`: no auto-update, HOME inside the temp dir, killed after 90 s. */
export function tm(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      TASKMASTER_SKIP_AUTO_UPDATE: '1',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    };
    const child = spawn(TASK_MASTER_BIN, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

/** The first JSON object in task-master's output (it may print notice boxes after it). */
export function firstJson(text: string): unknown {
  const start = text.indexOf('{');
  for (let end = text.indexOf('\n}', start); end >= 0; end = text.indexOf('\n}', end + 1)) {
    try {
      return JSON.parse(text.slice(start, end + 2));
    } catch {
      /* not the end of the object yet */
    }
  }
  throw new Error(`no JSON object in task-master output: ${text.slice(0, 200)}`);
}
