/**
 * Project context for a research question, as task-master's research command gathers it:
 * `--files` (file contents) and `--tree` (the project's file tree). Both are plain text blocks the
 * answer prompt fences as data.
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ValidationError } from '../errors.js';
import { readTextFile } from '../util/fs.js';
import { fsError } from '../util/os-errors.js';

/** Characters of one file given as context; a longer file is cut and says so. */
export const MAX_FILE_CHARS = 20_000;
/** Entries listed in a project tree; the rest are counted. */
export const MAX_TREE_ENTRIES = 300;

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'build', 'coverage', '.next', '.cache', '.test-deps']);

/** Splits `a.md, src/b.ts` into paths; an empty entry is bad input, as in task-master. */
export function parseFileList(list: string): string[] {
  const paths = list.split(',').map((s) => s.trim());
  if (!paths.length || paths.some((p) => !p)) {
    throw new ValidationError(`--files: empty file path in '${list}'`, {
      hint: 'give comma-separated paths, e.g. --files docs/api.md,src/server.ts',
    });
  }
  return paths;
}

/**
 * The named files (relative to the project root, or absolute) as one context block. Every path is
 * checked before any is read, so a missing file fails the question before a model is asked.
 */
export function fileContext(root: string, paths: readonly string[]): string {
  const files = paths.map((p) => {
    const abs = isAbsolute(p) ? p : resolve(root, p);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      throw fsError(e, p, 'read');
    }
    if (!st.isFile()) {
      throw new ValidationError(`--files: ${p} is not a regular file`, {
        hint: 'name files, not directories; add a directory to the knowledge base with `research add <dir>`',
      });
    }
    return { p, abs };
  });
  return files
    .map(({ p, abs }) => {
      const text = readTextFile(abs);
      const cut = text.length > MAX_FILE_CHARS;
      const body = cut
        ? `${text.slice(0, MAX_FILE_CHARS)}\n[… cut at ${MAX_FILE_CHARS} of ${text.length} characters]`
        : text;
      return `File: ${p}\n${body}`;
    })
    .join('\n\n');
}

/**
 * The project's file tree below `root` (directories first, sorted), skipping dependency and build
 * directories and dot-directories, `maxDepth` levels deep, at most MAX_TREE_ENTRIES lines.
 */
export function projectTree(root: string, maxDepth = 4): string {
  const lines: string[] = [];
  let omitted = 0;
  const walk = (dir: string, prefix: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const shown = entries
      .filter(
        (e) => !(e.isDirectory() && (SKIP_DIRS.has(e.name) || (e.name.startsWith('.') && e.name !== '.taskmaster'))),
      )
      .filter((e) => !/^local\.db(-wal|-shm)?$/.test(e.name))
      .sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || a.name.localeCompare(b.name));
    shown.forEach((e, i) => {
      if (lines.length >= MAX_TREE_ENTRIES) {
        omitted++;
        return;
      }
      const last = i === shown.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${e.name}${e.isDirectory() ? '/' : ''}`);
      if (e.isDirectory() && depth + 1 < maxDepth)
        walk(join(dir, e.name), `${prefix}${last ? '    ' : '│   '}`, depth + 1);
    });
  };
  walk(root, '', 0);
  const name = relative(resolve(root, '..'), root).split(sep).pop() ?? '.';
  return [`${name}/`, ...lines, ...(omitted ? [`[… ${omitted} more entries]`] : [])].join('\n');
}
