import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';
import { fsError } from '../util/os-errors.js';

export interface LockOptions {
  /** A lock older than this is considered abandoned (task-master uses 10 s). */
  staleMs?: number;
  /** Total time to wait for the lock. */
  timeoutMs?: number;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a lock someone else holds is abandoned. As task-master decides: older than staleMs (its
 * mtime). Also, a lock *file* whose `{pid}` names a process that no longer exists on this machine
 * is abandoned at once (a crashed writer), whatever its age. A lock directory (tm-core's
 * proper-lockfile) carries no pid: only its age counts.
 */
function isStale(lock: string, staleMs: number): boolean | 'gone' {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(lock);
  } catch {
    return 'gone'; // released between our open and stat
  }
  if (Date.now() - st.mtimeMs > staleMs) return true;
  if (!st.isFile()) return false;
  try {
    const { pid } = JSON.parse(readFileSync(lock, 'utf8')) as { pid?: unknown };
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 && pid !== process.pid && !pidAlive(pid);
  } catch {
    return false; // empty or half-written: its writer may still be writing it; the age decides
  }
}

/**
 * Takes an abandoned lock away the way task-master does: rename it to a unique name first, so
 * that of two processes breaking the same stale lock only one succeeds, and neither removes a
 * fresh lock taken in between.
 */
function breakLock(lock: string): void {
  const aside = `${lock}.stale.${process.pid}.${Date.now()}`;
  try {
    renameSync(lock, aside);
  } catch {
    return; // someone else broke or released it first
  }
  rmSync(aside, { recursive: true, force: true });
}

/** Creates the lock file with our `{pid, timestamp}`; false when someone else holds it. */
function tryCreate(lock: string): boolean {
  let fd: number;
  try {
    fd = openSync(lock, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsError(e, lock, 'create lock');
  }
  // From here the lock exists: every failure path removes it again (a full disk used to leave a
  // 0-byte lock behind, after which task-master silently updated nothing).
  try {
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, timestamp: Date.now() }));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    release(lock);
    throw fsError(e, lock, 'create lock');
  }
  return true;
}

/**
 * Runs fn holding `<file>.lock`, the lock both task-master writers honour: its JS side creates it
 * as a file with O_EXCL, tm-core (proper-lockfile) as a directory. Either form held by someone
 * else makes our exclusive create fail, so all three writers serialise. Stale locks are broken as
 * task-master breaks them. Synchronous on purpose: the critical section is a read-modify-rename
 * of one file and must not interleave with other work in this process. The lock is removed
 * whatever fn does, and whenever its own creation fails half-way.
 */
export function withFileLock<T>(file: string, fn: () => T, opts: LockOptions = {}): T {
  const lock = `${file}.lock`;
  const staleMs = opts.staleMs ?? 10_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (e) {
    throw fsError(e, dirname(file), 'create directory');
  }
  let delay = 25;
  while (!tryCreate(lock)) {
    const stale = isStale(lock, staleMs);
    if (stale === 'gone') continue;
    if (stale) {
      breakLock(lock);
      continue;
    }
    if (Date.now() > deadline) {
      throw new AppError('LOCKED', `${file} is locked by another process (${lock})`, {
        hint: 'wait for the other task-master command to finish, or delete the lock file if no command is running',
        details: { path: lock },
      });
    }
    sleepSync(delay);
    delay = Math.min(delay * 2, 400);
  }
  try {
    return fn();
  } finally {
    release(lock);
  }
}

/** Removes our lock file; a failure to remove must not hide fn's own error or result. */
function release(lock: string): void {
  try {
    rmSync(lock, { force: true });
  } catch {
    /* already gone or replaced by someone else's lock directory: not ours to remove */
  }
}
