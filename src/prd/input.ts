import { statSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import { readFileBytes } from '../util/fs.js';
import { fsError } from '../util/os-errors.js';

/** Largest PRD accepted; larger files are almost certainly not a PRD (logs, dumps). */
export const MAX_PRD_BYTES = 2 * 1024 * 1024;

/**
 * Reads a PRD file and rejects what cannot be one: missing, a directory, empty, binary
 * (NUL bytes), not valid UTF-8, or larger than MAX_PRD_BYTES. Each error says what to do.
 */
export function readPrd(path: string): { text: string; bytes: number } {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(e, path, 'read');
    throw new ValidationError(`PRD file not found: ${path}`, {
      hint: 'pass the PRD path as an argument, or write it to .taskmaster/docs/prd.txt',
    });
  }
  if (!st.isFile()) throw new ValidationError(`${path} is not a file`, { hint: 'pass the path of a text PRD file' });
  if (st.size > MAX_PRD_BYTES) {
    throw new ValidationError(
      `${path} is ${(st.size / 1048576).toFixed(1)} MB; the limit is ${MAX_PRD_BYTES / 1048576} MB`,
      {
        hint: 'split the PRD into smaller files and parse each with --append (or --tag)',
      },
    );
  }
  const buf = readFileBytes(path);
  if (buf.includes(0)) {
    throw new ValidationError(`${path} looks binary (it contains NUL bytes)`, {
      hint: 'a PRD must be plain text or markdown; export it from your editor as .txt or .md',
    });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new ValidationError(`${path} is not valid UTF-8`, {
      hint: 'convert it, e.g. `iconv -f latin1 -t utf-8 in.txt > prd.txt`',
    });
  }
  text = text.replace(/^\uFEFF/, '');
  if (!text.trim()) {
    throw new ValidationError(`${path} is empty`, { hint: 'write the product requirements into it first' });
  }
  return { text, bytes: st.size };
}
