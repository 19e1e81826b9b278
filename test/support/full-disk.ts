import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A directory on a file system that refuses writes, for the reliability cases. Where the OS
 * allows it (root, as in CI) it is real: a tiny tmpfs mounted here and filled to the last byte
 * (ENOSPC), or remounted read-only (EROFS). Elsewhere the failure is injected into the CLI
 * through a preload that makes node's fs throw the same error for paths below the directory
 * (test/support/fault-preload.cjs). Tests never skip: they run with whichever `kind` they got
 * and assert the same outcome.
 */
export interface RefusingDir {
  kind: 'tmpfs' | 'injected';
  dir: string;
  /** Extra environment for the CLI (the preload, in the injected case). */
  env: Record<string, string>;
  release(): void;
}

const PRELOAD = fileURLToPath(new URL('./fault-preload.cjs', import.meta.url));

let canMount: boolean | undefined;
/** Whether this process may mount a tmpfs (root, or CAP_SYS_ADMIN). Probed once. */
export function mountAllowed(): boolean {
  if (canMount !== undefined) return canMount;
  const probe = mkdtempSync(join(tmpdir(), 'tml-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    canMount = true;
  } catch {
    canMount = false;
  }
  rmSync(probe, { recursive: true, force: true });
  return canMount;
}

/**
 * Prepares `dir` (which must not exist yet) with `populate`, then makes it refuse writes:
 * `full` fills it so that the next byte written fails with ENOSPC, `readonly` makes it EROFS.
 */
export function refusingDir(dir: string, mode: 'full' | 'readonly', populate: (dir: string) => void): RefusingDir {
  mkdirSync(dir, { recursive: true });
  if (mountAllowed()) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0777', 'tmpfs', dir], { stdio: 'ignore' });
    const release = () => {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      populate(dir);
      if (mode === 'full') fill(dir);
      else execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'ignore' });
    } catch (e) {
      release();
      throw e;
    }
    return { kind: 'tmpfs', dir, env: {}, release };
  }
  populate(dir);
  return {
    kind: 'injected',
    dir,
    env: {
      NODE_OPTIONS: `--require ${PRELOAD}`,
      TML_FAULT_DIR: dir,
      TML_FAULT_ERRNO: mode === 'full' ? 'ENOSPC' : 'EROFS',
    },
    release: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes a filler file until the file system has no byte left. */
function fill(dir: string): void {
  const fd = openSync(join(dir, '.filler'), 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  try {
    for (;;) writeSync(fd, chunk, 0, 1); // the last partial block
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}
