import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { fsError } from './os-errors.js';

/**
 * Writes to a temp file beside the target, fsyncs, then renames: readers see old or new, never
 * half. Any failure (a full disk, a directory where the file should be, no permission) removes
 * the temp file and throws an AppError naming the target, not the temp file.
 */
export function atomicWriteFile(path: string, content: string | Uint8Array): void {
  atomicWrite(path, (fd) => writeFileSync(fd, content));
}

/**
 * atomicWriteFile for a file of many lines (each followed by a newline), written in pieces of about
 * a megabyte: no copy of the whole file in memory, and no limit from the longest string V8 can hold.
 */
export function atomicWriteLines(path: string, lines: Iterable<string>): void {
  atomicWrite(path, (fd) => {
    let buf = '';
    for (const line of lines) {
      buf += `${line}\n`;
      if (buf.length >= 1 << 20) {
        writeAll(fd, buf);
        buf = '';
      }
    }
    if (buf) writeAll(fd, buf);
  });
}

function writeAll(fd: number, s: string): void {
  const b = Buffer.from(s);
  for (let at = 0; at < b.length; ) at += writeSync(fd, b, at);
}

function atomicWrite(path: string, write: (fd: number) => void): void {
  const tmp = `${path}.tmp.${process.pid}.${Date.now()}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      write(fd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* the temp file could not even be created (e.g. the directory is missing): nothing to remove */
    }
    throw fsError(e, path, 'write');
  }
}

/** Reads a file as UTF-8; an OS error (a directory, no permission, a symlink loop) names the path. */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw fsError(e, path, 'read');
  }
}

/** Reads a file as bytes; an OS error names the path. */
export function readFileBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw fsError(e, path, 'read');
  }
}

/** Like readTextFile, but a file that does not exist gives undefined (a symlink loop is still an error). */
export function readTextFileIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsError(e, path, 'read');
  }
}
