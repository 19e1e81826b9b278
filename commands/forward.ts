import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { AppError } from '../src/errors.js';

// task-master-ai installs the same CLI under both names.
const NAMES = ['task-master', 'task-master-ai'];

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    if (process.platform !== 'win32') accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function candidates(dir: string): string[] {
  const exts = process.platform === 'win32' ? ['.cmd', '.exe', ''] : [''];
  return NAMES.flatMap((n) => exts.map((e) => join(dir, n + e)));
}

/**
 * Finds task-master: TASK_MASTER_BIN (must exist when set), node_modules/.bin upwards from cwd,
 * then PATH. A TASK_MASTER_BIN that points nowhere is an error rather than a silent fallback.
 */
export function findTaskMaster(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TASK_MASTER_BIN) {
    const p = resolve(cwd, env.TASK_MASTER_BIN);
    if (isExecutable(p) || (/\.[cm]?js$/.test(p) && statSafe(p))) return p;
    throw new AppError('FORWARD', `TASK_MASTER_BIN=${env.TASK_MASTER_BIN} is not an executable file`, {
      hint: 'point TASK_MASTER_BIN at the task-master binary (e.g. $(npm root -g)/../bin/task-master) or unset it',
    });
  }
  let dir = resolve(cwd);
  for (;;) {
    const hit = candidates(join(dir, 'node_modules', '.bin')).find(isExecutable);
    if (hit) return hit;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  for (const d of (env.PATH ?? '').split(delimiter)) {
    const hit = d ? candidates(d).find(isExecutable) : undefined;
    if (hit) return hit;
  }
  return undefined;
}

function statSafe(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Runs task-master with the same arguments, cwd and terminal; resolves to its exit code
 * (128 + signal number when it was killed, as shells report it).
 */
export async function forwardToTaskMaster(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const bin = findTaskMaster(cwd, env);
  if (!bin) {
    throw new AppError('FORWARD', `'${args[0]}' is a task-master command, and task-master is not installed`, {
      hint: 'install it with `npm install -g task-master-ai`, or set TASK_MASTER_BIN to its path; run `task-master-local --help` for our own commands',
    });
  }
  // A .js path (e.g. TASK_MASTER_BIN=node_modules/task-master-ai/dist/task-master.js) runs on this node.
  const [cmd, cmdArgs] = /\.[cm]?js$/.test(bin) ? [process.execPath, [bin, ...args]] : [bin, args];
  return await new Promise<number>((res, rej) => {
    // Skip task-master's start-up self-update: a forwarded command must not run `npm install -g`.
    const child = spawn(cmd, cmdArgs, { stdio: 'inherit', cwd, env: { TASKMASTER_SKIP_AUTO_UPDATE: '1', ...env } });
    // Ctrl-C reaches the child through the terminal; SIGTERM sent to us alone is passed on.
    const relay = (sig: NodeJS.Signals) => child.kill(sig);
    const onInt = () => undefined;
    process.on('SIGINT', onInt);
    process.on('SIGTERM', relay);
    const done = () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', relay);
    };
    child.on('error', (e) => {
      done();
      rej(
        new AppError('FORWARD', `could not run ${bin}: ${e.message}`, {
          hint: 'check TASK_MASTER_BIN or your PATH',
          cause: e,
        }),
      );
    });
    child.on('exit', (code, signal) => {
      done();
      res(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1));
    });
  });
}
