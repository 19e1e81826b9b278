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
import { dirname, join } from 'node:path';
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
 * A file of many lines written like atomicWriteFile, but in pieces of about a megabyte to a temp
 * file in `dir` (no copy of the whole file in memory, no limit from the longest string V8 can hold),
 * and placed only by commit(path), which may name a path decided after the last line (a dataset
 * directory named by its content hash). Each line is followed by a newline. discard() removes it.
 */
export class StagedLines {
  private readonly tmp: string;
  private fd: number | undefined;
  private buf = '';

  constructor(dir: string, name: string) {
    this.tmp = join(dir, `.${name}.tmp.${process.pid}.${Date.now()}`);
    try {
      mkdirSync(dir, { recursive: true });
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw fsError(e, join(dir, name), 'write');
    }
  }

  write(line: string): void {
    this.buf += `${line}\n`;
    if (this.buf.length >= 1 << 20) this.flush();
  }

  /** Writes the rest, fsyncs, and renames the temp file to `path` (its directory is created). */
  commit(path: string): void {
    try {
      this.flush();
      fsyncSync(this.fd!);
      closeSync(this.fd!);
      this.fd = undefined;
      mkdirSync(dirname(path), { recursive: true });
      renameSync(this.tmp, path);
    } catch (e) {
      this.discard();
      throw fsError(e, path, 'write');
    }
  }

  /** Removes the temp file (after a failure, or when nothing is to be written). */
  discard(): void {
    try {
      if (this.fd !== undefined) closeSync(this.fd);
    } catch {
      /* already closed by a failed commit */
    }
    this.fd = undefined;
    rmSync(this.tmp, { force: true });
  }

  private flush(): void {
    if (!this.buf) return;
    const b = Buffer.from(this.buf);
    this.buf = '';
    for (let at = 0; at < b.length; ) at += writeSync(this.fd!, b, at);
  }
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
