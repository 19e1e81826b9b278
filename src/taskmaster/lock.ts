import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageError } from '../errors.js';

export interface LockOptions {
  /** A lock older than this is considered abandoned (task-master uses 10 s). */
  staleMs?: number;
  /** Total time to wait for the lock. */
  timeoutMs?: number;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs fn holding `<file>.lock`, the lock both task-master writers honour: its JS side creates it
 * as a file with O_EXCL, tm-core (proper-lockfile) as a directory. Either form held by someone
 * else makes our exclusive create fail, so all three writers serialise. Stale locks (older than
 * staleMs, as task-master decides) are removed. Synchronous on purpose: the critical section is a
 * read-modify-rename of one file and must not interleave with other work in this process.
 */
export function withFileLock<T>(file: string, fn: () => T, opts: LockOptions = {}): T {
  const lock = `${file}.lock`;
  const staleMs = opts.staleMs ?? 10_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  mkdirSync(dirname(file), { recursive: true });
  let delay = 25;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, timestamp: Date.now() }));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StorageError('TASKS_FILE', `cannot create lock ${lock}: ${(e as Error).message}`, {
          hint: 'check that the .taskmaster/tasks directory is writable',
          cause: e,
        });
      }
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released between our open and stat: try again at once
      }
      if (age > staleMs) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new StorageError('TASKS_FILE', `${file} is locked by another process (${lock})`, {
          hint: 'wait for the other task-master command to finish, or delete the lock file if no command is running',
        });
      }
      sleepSync(delay);
      delay = Math.min(delay * 2, 400);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
