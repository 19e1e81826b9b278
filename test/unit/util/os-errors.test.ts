import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, EXIT } from '../../../src/errors.js';
import { StagedLines, atomicWriteFile, readTextFile, readTextFileIfExists } from '../../../src/util/fs.js';
import { fsError, sqliteError, toAppError } from '../../../src/util/os-errors.js';

const errno = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${code}: something, open '/x'`), { code, errno: -1, syscall: 'open', ...extra });

describe('OS errors become AppErrors naming the path', () => {
  it.each([
    ['EACCES', 'FILE_ACCESS', EXIT.BAD_INPUT, /permission denied/],
    ['EPERM', 'FILE_ACCESS', EXIT.BAD_INPUT, /operation not permitted/],
    ['EISDIR', 'FILE_ACCESS', EXIT.BAD_INPUT, /it is a directory/],
    ['ENOTDIR', 'FILE_ACCESS', EXIT.BAD_INPUT, /a file where a directory is expected/],
    ['ELOOP', 'FILE_ACCESS', EXIT.BAD_INPUT, /symbolic links/],
    ['ENOENT', 'NOT_FOUND', EXIT.BAD_INPUT, /does not exist/],
    ['ENOSPC', 'DISK_FULL', EXIT.DISK, /no space left on device/],
    ['EDQUOT', 'DISK_FULL', EXIT.DISK, /quota/],
    ['EROFS', 'READ_ONLY', EXIT.DISK, /read-only file system/],
    ['EIO', 'IO_ERROR', EXIT.DISK, /input\/output error/],
  ])('%s → %s, exit %i', (code, app, exit, what) => {
    const e = fsError(errno(code), '/data/tasks.json', 'write') as AppError;
    expect(e).toBeInstanceOf(AppError);
    expect(e.code).toBe(app);
    expect(e.exitCode).toBe(exit);
    expect(e.message).toMatch(/\/data\/tasks\.json/);
    expect(e.message).toMatch(what);
    expect(e.hint).toBeTruthy();
    expect(e.message).not.toContain('\n');
  });

  it("names a rename's destination, not the temp file, and the error's own path otherwise", () => {
    const e = fsError(errno('EISDIR', { syscall: 'rename', path: '/t/x.tmp.1', dest: '/t/out' })) as AppError;
    expect(e.message).toBe('cannot write /t/out: it is a directory, not a file');
    expect((fsError(errno('EACCES', { path: '/etc/p' })) as AppError).message).toBe(
      'cannot open /etc/p: permission denied',
    );
  });

  it('leaves AppErrors and programming errors alone (those stay bugs)', () => {
    const app = new AppError('USAGE', 'x');
    expect(fsError(app)).toBe(app);
    expect(toAppError(new TypeError('x is undefined'))).toBeUndefined();
    expect(toAppError(Object.assign(new Error('weird'), { code: 'ERR_SOMETHING' }))).toBeUndefined();
  });

  it('maps SQLite environment errors; a damaged file points at recover', () => {
    const full = sqliteError(
      Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
      '/p/local.db',
    );
    expect(full).toMatchObject({ code: 'DISK_FULL', message: 'cannot use /p/local.db: database or disk is full' });
    expect((full as AppError).exitCode).toBe(5);
    expect(sqliteError(Object.assign(new Error('ro'), { code: 'SQLITE_READONLY_DBMOVED' }))).toMatchObject({
      code: 'READ_ONLY',
    });
    expect(toAppError(Object.assign(new Error('bad'), { code: 'SQLITE_CORRUPT' }))?.hint).toMatch(/recover --run/);
  });

  it('real fs calls: a directory, a symlink loop, a missing file', () => {
    const d = mkdtempSync(join(tmpdir(), 'tml-oserr-'));
    expect(() => readTextFile(d)).toThrow(/it is a directory/);
    symlinkSync('b', join(d, 'a'));
    symlinkSync('a', join(d, 'b'));
    expect(() => readTextFile(join(d, 'a'))).toThrow(/symbolic links/);
    expect(() => readTextFileIfExists(join(d, 'a'))).toThrow(/symbolic links/);
    expect(readTextFileIfExists(join(d, 'missing'))).toBeUndefined();
    writeFileSync(join(d, 'f'), 'x');
    expect(() => atomicWriteFile(join(d, 'f', 'g.json'), '{}')).toThrow(/f\/g\.json: a part of the path is a file/);
    expect(() => atomicWriteFile(d, '{}')).toThrow(/it is a directory/);
    expect(readFileSync(join(d, 'f'), 'utf8')).toBe('x');
  });

  it('StagedLines writes every line once, in order, across its megabyte pieces, places the file on commit, and names the target on failure', () => {
    const d = mkdtempSync(join(tmpdir(), 'tml-lines-'));
    const lines = Array.from({ length: 3000 }, (_, i) => `${i} ${'é'.repeat(500)}`);
    const a = new StagedLines(d, 'a.jsonl');
    for (const l of lines) a.write(l);
    expect(readdirSync(d)).toHaveLength(1); // only the temp file until commit
    a.commit(join(d, 'sub', 'a.jsonl'));
    expect(readFileSync(join(d, 'sub', 'a.jsonl'), 'utf8')).toBe(`${lines.join('\n')}\n`);
    new StagedLines(d, 'empty.jsonl').commit(join(d, 'empty.jsonl'));
    expect(readFileSync(join(d, 'empty.jsonl'), 'utf8')).toBe('');
    const b = new StagedLines(d, 'b.jsonl');
    b.write('x');
    expect(() => b.commit(join(d, 'sub'))).toThrow(/sub: .*it is a directory/);
    const c = new StagedLines(d, 'c.jsonl');
    c.discard();
    expect(readdirSync(d).sort()).toEqual(['empty.jsonl', 'sub']);
  });

  it('SQLite errors come from better-sqlite3 with their codes', () => {
    const db = new Database(':memory:');
    db.pragma('max_page_count = 2');
    db.exec('CREATE TABLE t (x TEXT)');
    let err: unknown;
    try {
      for (let i = 0; i < 100; i++) db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(4000));
    } catch (e) {
      err = e;
    }
    expect(toAppError(err)?.code).toBe('DISK_FULL');
    db.close();
  });
});
