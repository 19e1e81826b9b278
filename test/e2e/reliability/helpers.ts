import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';

/** Path → content hash (files), link target (symlinks) or 'dir', for everything below `root`. */
export type Snapshot = Map<string, string>;

export function snapshot(root: string): Snapshot {
  const out: Snapshot = new Map();
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // unreadable (a permission case): its content cannot change under us either
    }
    for (const n of names) {
      const p = join(dir, n);
      const rel = relative(root, p);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(rel, `-> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(rel, 'dir');
        walk(p);
      } else if (st.isFile()) {
        let hash = `mode ${st.mode.toString(8)}`;
        try {
          hash = createHash('sha256').update(readFileSync(p)).digest('hex');
        } catch {
          /* unreadable: its mode stands for it */
        }
        out.set(rel, hash);
      } else out.set(rel, `special ${st.mode.toString(8)}`);
    }
  };
  walk(root);
  return out;
}

// Opening a project creates its SQLite file; that is the only new file a failed command may leave.
const MAY_APPEAR = /(^|\/)local\.db(-wal|-shm|-journal)?$/;

/** Every file that was there is byte-identical, nothing was removed, and nothing new appeared but local.db. */
export function expectUnchanged(before: Snapshot, after: Snapshot, context = ''): void {
  const changed: string[] = [];
  for (const [p, h] of before) {
    if (MAY_APPEAR.test(p)) continue;
    if (!after.has(p)) changed.push(`removed ${p}`);
    else if (after.get(p) !== h) changed.push(`changed ${p}`);
  }
  for (const p of after.keys()) if (!before.has(p) && !MAY_APPEAR.test(p)) changed.push(`new ${p}`);
  expect(changed, context).toEqual([]);
}

/** Whether permission cases must run as another user: root reads every file whatever its mode. */
export const IS_ROOT = process.getuid?.() === 0;
/** The user permission cases run as when we are root (nobody). */
export const NOBODY = 65534;

/** Makes a project usable by `nobody` (when root), so only the file under test is denied. */
export function openToAll(root: string): void {
  if (!IS_ROOT) return;
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    chmodSync(p, st.isDirectory() ? 0o777 : 0o666);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(root);
}
