import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { AppError } from '../src/errors.js';

/** Finds task-master: TASK_MASTER_BIN, node_modules/.bin upwards from cwd, then PATH. */
export function findTaskMaster(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TASK_MASTER_BIN && existsSync(env.TASK_MASTER_BIN)) return env.TASK_MASTER_BIN;
  let dir = cwd;
  for (;;) {
    const p = join(dir, 'node_modules', '.bin', 'task-master');
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  for (const d of (env.PATH ?? '').split(delimiter)) {
    if (d && existsSync(join(d, 'task-master'))) return join(d, 'task-master');
  }
  return undefined;
}

/** Runs task-master with the same arguments and terminal; resolves to its exit code. */
export async function forwardToTaskMaster(args: string[], cwd: string): Promise<number> {
  const bin = findTaskMaster(cwd);
  if (!bin) {
    throw new AppError('FORWARD', `'${args[0]}' is a task-master command, and task-master is not installed`, {
      hint: 'install it with `npm install -g task-master-ai`, or set TASK_MASTER_BIN to its path; run `task-master-local --help` for our own commands',
    });
  }
  return await new Promise<number>((resolve, reject) => {
    const child = spawn(bin, args, { stdio: 'inherit', cwd, env: { TASKMASTER_SKIP_AUTO_UPDATE: '1', ...process.env } });
    child.on('error', (e) =>
      reject(new AppError('FORWARD', `could not run ${bin}: ${e.message}`, { hint: 'check TASK_MASTER_BIN or your PATH', cause: e })),
    );
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
