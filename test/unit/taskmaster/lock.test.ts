import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFileLock } from '../../../src/taskmaster/lock.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'tml-lock-')), 'tasks.json');

/** The pid of a process that has exited (a crashed writer). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe("task-master's lock: stale locks and failure paths", () => {
  it('breaks a fresh lock whose writer is gone (its pid no longer exists) at once', () => {
    const p = file();
    writeFileSync(`${p}.lock`, JSON.stringify({ pid: deadPid(), timestamp: Date.now() }));
    expect(withFileLock(p, () => 7, { timeoutMs: 100 })).toBe(7);
    expect(readdirSync(join(p, '..'))).toEqual([]); // lock and its renamed copy are gone
  });

  it('respects a fresh lock of a live process, and a fresh empty one (its writer may be writing it)', () => {
    const p = file();
    writeFileSync(`${p}.lock`, JSON.stringify({ pid: process.ppid, timestamp: Date.now() }));
    expect(() => withFileLock(p, () => 1, { timeoutMs: 100 })).toThrow(/locked by another process/);
    writeFileSync(`${p}.lock`, '');
    expect(() => withFileLock(p, () => 1, { timeoutMs: 100 })).toThrow(/locked by another process/);
    expect(existsSync(`${p}.lock`)).toBe(true);
  });

  it('an empty lock older than staleMs is broken (a crash between create and write)', () => {
    const p = file();
    writeFileSync(`${p}.lock`, '');
    expect(withFileLock(p, () => 3, { staleMs: 0, timeoutMs: 100 })).toBe(3);
    expect(existsSync(`${p}.lock`)).toBe(false);
  });

  it('removes the lock when the critical section throws, and keeps its error', () => {
    const p = file();
    expect(() =>
      withFileLock(p, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(existsSync(`${p}.lock`)).toBe(false);
  });

  it('a lock that cannot be created names its path (a file where the directory should be)', () => {
    const p = file();
    writeFileSync(join(p, '..', 'sub'), 'x');
    expect(() => withFileLock(join(p, '..', 'sub', 'tasks.json'), () => 1)).toThrow(/sub/);
  });
});
