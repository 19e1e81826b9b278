/**
 * Finds and reads the files to add to the knowledge base: explicit files, directories (recursive,
 * honouring .gitignore files on the way down) and globs. Binary, oversized and unreadable files
 * are reported, never half-read.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  statSync,
  type Stats,
} from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { ValidationError } from '../errors.js';

/** A file to ingest: absolute path and its name relative to the project root (posix). */
export interface FoundFile {
  abs: string;
  rel: string;
}

/** A path that was not ingested, and why. */
export interface Skipped {
  path: string;
  reason: string;
}

/** Files larger than this are skipped: a knowledge base of logs or dumps helps nobody. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;
const ALWAYS_SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);
const DB_FILE = /\.(db|sqlite3?)(-wal|-shm|-journal)?$/i;

function toRel(root: string, abs: string): string {
  const r = relative(root, abs);
  return (r.startsWith('..') || isAbsolute(r) ? abs : r).split(sep).join('/');
}

function gitignoreAt(dir: string): Ignore | undefined {
  const p = join(dir, '.gitignore');
  if (!existsSync(p)) return undefined;
  try {
    return ignore().add(readFileSync(p, 'utf8'));
  } catch {
    return undefined;
  }
}

// Each .gitignore applies to paths relative to its own directory, as git does.
type Rules = { base: string; ig: Ignore }[];
function ignored(rules: Rules, abs: string, isDir: boolean): boolean {
  for (const { base, ig } of rules) {
    const r = relative(base, abs).split(sep).join('/');
    if (!r || r.startsWith('..')) continue;
    if (ig.ignores(isDir ? `${r}/` : r)) return true;
  }
  return false;
}

function rulesFor(root: string, dir: string): Rules {
  const rules: Rules = [];
  let d = resolve(dir);
  const top = resolve(root);
  const chain: string[] = [];
  while (d.startsWith(top)) {
    chain.unshift(d);
    if (d === top) break;
    d = resolve(d, '..');
  }
  for (const c of chain) {
    const ig = gitignoreAt(c);
    if (ig) rules.push({ base: c, ig });
  }
  return rules;
}

function walk(dir: string, rules: Rules, out: string[], skipped: Skipped[], root: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    skipped.push({
      path: toRel(root, dir),
      reason: `unreadable directory (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    });
    return;
  }
  const here = gitignoreAt(dir);
  const local = here ? [...rules, { base: dir, ig: here }] : rules;
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) {
      if (ALWAYS_SKIP_DIRS.has(e.name) || ignored(local, abs, true)) continue;
      walk(abs, local, out, skipped, root);
    } else if (e.isFile()) {
      if (DB_FILE.test(e.name) || e.name === '.gitignore' || ignored(local, abs, false)) continue;
      out.push(abs);
    }
  }
}

/** Expands inputs (files, directories, globs) relative to `cwd` into a sorted, de-duplicated list. */
export function collectFiles(
  inputs: readonly string[],
  root: string,
  cwd = root,
): { files: FoundFile[]; skipped: Skipped[] } {
  const found: string[] = [];
  const skipped: Skipped[] = [];
  for (const input of inputs) {
    if (isDynamicPattern(input)) {
      const matches = globSync(input, {
        cwd,
        absolute: true,
        onlyFiles: true,
        ignore: ['**/node_modules/**', '**/.git/**'],
      });
      const kept = matches.filter(
        (m) => !ignored(rulesFor(root, resolve(m, '..')), m, false) && !DB_FILE.test(m) && isRegularFile(m),
      );
      if (!kept.length) skipped.push({ path: input, reason: 'no files match this pattern' });
      found.push(...kept);
      continue;
    }
    const abs = resolve(cwd, input);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      skipped.push({ path: input, reason: code === 'ENOENT' ? 'no such file or directory' : `unreadable (${code})` });
      continue;
    }
    if (st.isDirectory()) walk(abs, rulesFor(root, abs), found, skipped, root);
    else if (st.isFile())
      found.push(abs); // a file named explicitly is added even if .gitignore lists it
    // reading a FIFO blocks until a writer comes; a device never ends: refuse before writing anything
    else
      throw new ValidationError(`${input} is ${specialKind(st)}, not a regular file`, {
        hint: 'research add reads text files, directories and globs',
      });
  }
  const files = [...new Set(found)].sort().map((abs) => ({ abs, rel: toRel(root, abs) }));
  return { files, skipped };
}

function isRegularFile(abs: string): boolean {
  try {
    return statSync(abs).isFile();
  } catch {
    return false;
  }
}

function specialKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a file or directory';
}

/**
 * Reads a text file, or says why it cannot be ingested (binary, too large, unreadable, not a
 * regular file). Opened non-blocking and checked on the open descriptor, so a path swapped for a
 * FIFO after it was listed cannot hang the read.
 */
export function readTextFile(abs: string): { ok: true; text: string; bytes: number } | { ok: false; reason: string } {
  let fd: number;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, reason: `unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, reason: `${specialKind(st)}, not a regular file` };
    if (st.size > MAX_FILE_BYTES)
      return {
        ok: false,
        reason: `too large (${Math.round(st.size / 1048576)} MiB > ${MAX_FILE_BYTES / 1048576} MiB)`,
      };
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    const data = buf.subarray(0, n);
    if (looksBinary(data)) return { ok: false, reason: 'binary file' };
    return { ok: true, text: data.toString('utf8').replace(/^\uFEFF/, ''), bytes: data.length };
  } catch (e) {
    return { ok: false, reason: `unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  } finally {
    closeSync(fd);
  }
}

// NUL bytes or invalid UTF-8 in the first 8 KiB: what git's own heuristic looks at, plus UTF-8.
function looksBinary(data: Buffer): boolean {
  const head = data.subarray(0, 8192);
  if (head.includes(0)) return true;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const bad = (text.match(/\uFFFD/g) ?? []).length;
  // the last character may be a multibyte sequence cut by the 8 KiB window
  return bad > 2 && bad / Math.max(1, text.length) > 0.01;
}
