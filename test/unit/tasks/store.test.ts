import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { parseIdList, parseSubId, parseTaskId, parseTopId } from '../../../src/tasks/ids.js';
import { editTag, findSubtask, findTask, idRanges, loadTag, nextSubtaskId } from '../../../src/tasks/store.js';

const file = (content: unknown) => {
  const dir = mkdtempSync(join(tmpdir(), 'tml-store-'));
  const p = join(dir, 'tasks.json');
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
};
const sample = {
  master: {
    tasks: [
      { id: 1, title: 'a', description: 'd', status: 'done', priority: 'high', subtasks: [{ id: 1, title: 's' }] },
      { id: '2', title: 'b', description: 'd', status: 'pending', priority: 'low', extra: { keep: true } },
    ],
    metadata: { created: 'then', description: 'Tasks for master context' },
  },
  other: { tasks: [] },
};
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return { code: (e as AppError).code, exit: (e as AppError).exitCode, msg: (e as AppError).message };
  }
  throw new Error('no error');
};

describe('task ids', () => {
  it('parses tasks, subtasks and lists; refuses the wrong kind with exit 2', () => {
    expect(parseTaskId('7')).toEqual({ task: 7 });
    expect(parseTaskId(' 7.2 ')).toEqual({ task: 7, sub: 2 });
    expect(parseIdList('1, 3.1,4')).toEqual([{ task: 1 }, { task: 3, sub: 1 }, { task: 4 }]);
    expect(code(() => parseTaskId('x')).exit).toBe(2);
    expect(code(() => parseTaskId('0')).exit).toBe(2);
    expect(code(() => parseTopId('3.1')).msg).toMatch(/3\.1 is a subtask id/);
    expect(code(() => parseSubId('3')).msg).toMatch(/3 is a task id/);
    expect(code(() => parseIdList(' , ')).exit).toBe(2);
  });
  it('describes id ranges', () => expect(idRanges([5, 1, 2, 3, 8, 9])).toBe('1-3, 5, 8-9'));
});

describe('one tag of tasks.json', () => {
  it('finds tasks by number or numeric string, and subtasks', () => {
    const t = loadTag(file(sample), 'master');
    expect(findTask(t, 2).title).toBe('b');
    expect(findSubtask(t, { task: 1, sub: 1 }).title).toBe('s');
    expect(nextSubtaskId(findTask(t, 1))).toBe(2);
    expect(nextSubtaskId(findTask(t, 2))).toBe(1);
  });
  it('unknown ids, a missing tag, a missing file and a bad shape are bad input naming what exists', () => {
    const p = file(sample);
    const t = loadTag(p, 'master');
    expect(code(() => findTask(t, 9))).toMatchObject({ code: 'NOT_FOUND', exit: 2 });
    expect(code(() => findSubtask(t, { task: 1, sub: 4 })).msg).toMatch(/subtask 1\.4 does not exist/);
    expect(code(() => loadTag(p, 'nope')).msg).toMatch(/tag "nope" does not exist/);
    expect(code(() => loadTag(join(p, '..', 'none.json'), 'master')).msg).toMatch(/does not exist/);
    for (const bad of [
      { master: { tasks: [{ title: 'no id' }] } },
      {
        master: {
          tasks: [
            { id: 1, title: 'a' },
            { id: 1, title: 'b' },
          ],
        },
      },
      { master: { tasks: [{ id: 1 }] } },
      { master: { tasks: [{ id: 1, title: 'a', subtasks: {} }] } },
      { master: { tasks: [{ id: 1, title: 'a', subtasks: [{ id: 'x' }] }] } },
      { master: { tasks: ['str'] } },
    ])
      expect(code(() => loadTag(file(bad), 'master'))).toMatchObject({ code: 'TASKS_FILE', exit: 2 });
  });
  it('editTag writes once, keeps other tags and unknown keys, and writes nothing when the edit throws', () => {
    const p = file(sample);
    const before = readFileSync(p, 'utf8');
    expect(() =>
      editTag(p, 'master', (tasks) => {
        tasks[0]!.title = 'changed';
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(readFileSync(p, 'utf8')).toBe(before);
    const n = editTag(
      p,
      'master',
      (tasks) => {
        tasks[1]!.title = 'B';
        return tasks.length;
      },
      { now: () => new Date('2026-12-01T00:00:00Z') },
    );
    expect(n).toBe(2);
    const after = JSON.parse(readFileSync(p, 'utf8'));
    expect(after.master.tasks[1]).toMatchObject({ id: '2', title: 'B', extra: { keep: true } });
    expect(after.master.metadata).toMatchObject({ created: 'then', updated: '2026-12-01T00:00:00.000Z' });
    expect(after.other).toEqual({ tasks: [] });
    expect(code(() => editTag(p, 'nope', () => 1)).code).toBe('NOT_FOUND');
  });
});
