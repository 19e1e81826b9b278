import { AppError, type ErrorCode } from '../errors.js';

/**
 * Errors the operating system (or SQLite, on its behalf) raises because of the user's
 * environment — a path that is a directory, a permission, a full or read-only disk, a symlink
 * loop — turned into AppErrors that name the path and say what to do. The CLI's one handler runs
 * every unknown error through `toAppError`; code that knows the path better (a rename's target, a
 * read whose error carries no path) wraps with `fsError` where it does the I/O.
 */

interface Kind {
  code: ErrorCode;
  /** What went wrong, after "cannot <action> <path>: ". */
  what: string;
  hint: (path: string, action: string) => string;
}

const writeAction = (a: string) => /write|create|rename|remove|save|lock/.test(a);

const FS_KINDS: Record<string, Kind> = {
  EACCES: {
    code: 'FILE_ACCESS',
    what: 'permission denied',
    hint: (p, a) =>
      `check the permissions of ${p} and its directories (ls -ld), or run as a user who may ${writeAction(a) ? 'write' : 'read'} it`,
  },
  EISDIR: {
    code: 'FILE_ACCESS',
    what: 'it is a directory, not a file',
    hint: () => 'give the path of a file, or move the directory aside',
  },
  ENOTDIR: {
    code: 'FILE_ACCESS',
    what: 'a part of the path is a file where a directory is expected',
    hint: () => 'check the path: every part before the last must be a directory',
  },
  ELOOP: {
    code: 'FILE_ACCESS',
    what: 'too many levels of symbolic links (a symlink loop)',
    hint: (p) => `fix or remove the symbolic link (ls -l ${p})`,
  },
  ENAMETOOLONG: {
    code: 'FILE_ACCESS',
    what: 'the file name is too long',
    hint: () => 'use a shorter path',
  },
  ENOENT: {
    code: 'NOT_FOUND',
    what: 'no such file or directory',
    hint: () => 'check the path (relative paths start at the current directory)',
  },
  EEXIST: {
    code: 'FILE_ACCESS',
    what: 'it already exists',
    hint: (p) => `move ${p} aside or choose another path`,
  },
  ENOSPC: {
    code: 'DISK_FULL',
    what: 'no space left on device',
    hint: () => 'free space on that file system (df -h), then run the command again; nothing was written partially',
  },
  EDQUOT: {
    code: 'DISK_FULL',
    what: 'disk quota exceeded',
    hint: () => 'free space within your quota (quota -s), then run the command again; nothing was written partially',
  },
  EFBIG: {
    code: 'DISK_FULL',
    what: 'the file is too large for this file system',
    hint: () => 'use a file system that allows larger files',
  },
  EROFS: {
    code: 'READ_ONLY',
    what: 'read-only file system',
    hint: () => 'run in a writable directory, or point the output there (-o, TASKMASTER_LOCAL_DB for local.db)',
  },
  EIO: {
    code: 'IO_ERROR',
    what: 'input/output error',
    hint: () => 'the disk or file system reported an error; check it (dmesg) before running again',
  },
  EMFILE: {
    code: 'RESOURCE_LIMIT',
    what: 'too many open files',
    hint: () => 'raise the limit of open files (ulimit -n) or run fewer commands at once',
  },
  ENFILE: {
    code: 'RESOURCE_LIMIT',
    what: 'too many open files in the system',
    hint: () => 'close other programs or raise the system limit (fs.file-max)',
  },
  EBUSY: {
    code: 'RESOURCE_LIMIT',
    what: 'the resource is busy',
    hint: () => 'another program holds it; try again when it is done',
  },
};
FS_KINDS.EPERM = { ...FS_KINDS.EACCES!, what: 'operation not permitted' };

const ACTION_BY_SYSCALL: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  rename: 'write',
  mkdir: 'create directory',
  scandir: 'read directory',
  opendir: 'read directory',
  stat: 'read',
  lstat: 'read',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  copyfile: 'copy',
  fsync: 'write',
  close: 'write',
};

type Errno = NodeJS.ErrnoException & { dest?: string };

function isErrno(e: unknown): e is Errno {
  const o = e as { code?: unknown; errno?: unknown; syscall?: unknown } | null;
  return (
    !!o &&
    typeof o === 'object' &&
    typeof o.code === 'string' &&
    /^E[A-Z0-9]+$/.test(o.code) &&
    (typeof o.errno === 'number' || typeof o.syscall === 'string')
  );
}

/**
 * Wraps a Node file-system error into an AppError naming `path` (else the error's own path, a
 * rename's destination first) and what to do. Returns `e` unchanged when it is already an AppError
 * or not an OS error at all.
 */
export function fsError(e: unknown, path?: string, action?: string): unknown {
  if (e instanceof AppError || !isErrno(e)) return e;
  // mkdir -p through a file: node says EEXIST, the user needs to hear what ENOTDIR says
  const code = e.code === 'EEXIST' && e.syscall === 'mkdir' ? 'ENOTDIR' : e.code!;
  const kind = FS_KINDS[code];
  const where = path ?? e.dest ?? e.path ?? 'a file';
  const act = action ?? ACTION_BY_SYSCALL[e.syscall ?? ''] ?? 'use';
  if (!kind) {
    return new AppError('IO_ERROR', `cannot ${act} ${where}: ${e.code} (${firstLine(e.message)})`, {
      hint: 'check the path, its permissions and the file system, then run the command again',
      cause: e,
      details: { path: where, errno: e.code },
    });
  }
  if (e.code === 'ENOENT') {
    return new AppError(kind.code, `${where} does not exist`, {
      hint: kind.hint(where, act),
      cause: e,
      details: { path: where, errno: e.code },
    });
  }
  return new AppError(kind.code, `cannot ${act} ${where}: ${kind.what}`, {
    hint: kind.hint(where, act),
    cause: e,
    details: { path: where, errno: e.code },
  });
}

const SQLITE_KINDS: [RegExp, ErrorCode, string, string][] = [
  [/^SQLITE_FULL/, 'DISK_FULL', 'database or disk is full', 'free space on that file system (df -h), then run again'],
  [
    /^SQLITE_READONLY/,
    'READ_ONLY',
    'the database is read-only',
    'make the file and its directory writable, or set TASKMASTER_LOCAL_DB to a writable path',
  ],
  [
    /^SQLITE_CANTOPEN/,
    'FILE_ACCESS',
    'the database file cannot be opened',
    'check that the file and its directory exist and are writable, or set TASKMASTER_LOCAL_DB to another path',
  ],
  [
    /^SQLITE_IOERR/,
    'IO_ERROR',
    'a disk I/O error occurred',
    'check free space and the file system (df -h, dmesg), then run again',
  ],
  [
    /^SQLITE_(CORRUPT|NOTADB)/,
    'STORAGE',
    'the database file is damaged or not a database',
    'run `task-master-local recover --run` to check and repair it, or move the file aside',
  ],
  [/^SQLITE_BUSY/, 'LOCKED', 'the database is locked by another process', 'try again when the other command is done'],
];

/** A SQLite error raised because of the environment (full, read-only, unopenable, damaged) → AppError. */
export function sqliteError(e: unknown, dbPath?: string): unknown {
  if (e instanceof AppError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return e;
  const hit = SQLITE_KINDS.find(([re]) => re.test(code));
  if (!hit) return e;
  const [, appCode, what, hint] = hit;
  const where = dbPath && dbPath !== ':memory:' ? dbPath : 'the database';
  return new AppError(appCode, `cannot use ${where}: ${what}`, {
    hint,
    cause: e,
    details: { path: dbPath, sqlite: code },
  });
}

/** Any error → the AppError it stands for, or undefined when it is a bug (not the user's environment). */
export function toAppError(e: unknown): AppError | undefined {
  if (e instanceof AppError) return e;
  const viaFs = fsError(e);
  if (viaFs instanceof AppError) return viaFs;
  const viaSqlite = sqliteError(e);
  if (viaSqlite instanceof AppError) return viaSqlite;
  return undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 200);
}
