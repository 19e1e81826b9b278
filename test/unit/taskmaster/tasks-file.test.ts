import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTasksFile, writeTag } from '../../../src/taskmaster/tasks-file.js';
import { withFileLock } from '../../../src/taskmaster/lock.js';
import { currentTag } from '../../../src/taskmaster/state.js';

const fixture = readFileSync('/work/shared/reference/task-master-fixtures/tasks.min.json', 'utf8');
function dir() {
  return mkdtempSync(join(tmpdir(), 'tml-tm-'));
}
const task = (id: number) => ({
  id,
  title: `t${id}`,
  description: 'd',
  status: 'pending',
  priority: 'medium',
  dependencies: [],
  subtasks: [],
});

describe('tasks.json', () => {
  it('writes a new tag and leaves other tags byte-for-byte equal in value', () => {
    const d = dir();
    const p = join(d, 'tasks.json');
    writeFileSync(p, fixture);
    writeTag(p, {
      tag: 'feature',
      mode: 'create',
      build: (first) => [task(first), task(first + 1)],
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    const f = JSON.parse(readFileSync(p, 'utf8'));
    expect(f.master).toEqual(JSON.parse(fixture).master);
    expect(f.feature.tasks.map((t: { id: number }) => t.id)).toEqual([1, 2]);
    expect(f.feature.metadata).toEqual({
      created: '2026-01-01T00:00:00.000Z',
      updated: '2026-01-01T00:00:00.000Z',
      description: 'Tasks for feature context',
    });
    expect(existsSync(`${p}.lock`)).toBe(false);
  });

  it('refuses a non-empty tag without force/append and writes nothing', () => {
    const d = dir();
    const p = join(d, 'tasks.json');
    writeFileSync(p, fixture);
    expect(() => writeTag(p, { tag: 'master', mode: 'create', build: () => [task(1)] })).toThrow(/already has 3 tasks/);
    expect(readFileSync(p, 'utf8')).toBe(fixture);
  });

  it('appends after the highest id (string ids too) and force replaces', () => {
    const d = dir();
    const p = join(d, 'tasks.json');
    writeFileSync(
      p,
      JSON.stringify({ master: { tasks: [task(1), { ...task(7), id: '7' }], metadata: { created: 'c', custom: 1 } } }),
    );
    const r = writeTag(p, { tag: 'master', mode: 'append', build: (first) => [task(first)] });
    expect(r.firstId).toBe(8);
    let f = JSON.parse(readFileSync(p, 'utf8'));
    expect(f.master.tasks.map((t: { id: unknown }) => t.id)).toEqual([1, '7', 8]);
    expect(f.master.metadata).toMatchObject({ created: 'c', custom: 1 });
    writeTag(p, { tag: 'master', mode: 'force', build: (first) => [task(first)] });
    f = JSON.parse(readFileSync(p, 'utf8'));
    expect(f.master.tasks.map((t: { id: unknown }) => t.id)).toEqual([1]);
  });

  it('reads the flat legacy format as master', () => {
    const d = dir();
    const p = join(d, 'tasks.json');
    writeFileSync(p, JSON.stringify({ tasks: [task(1)] }));
    expect(Object.keys(readTasksFile(p))).toEqual(['master']);
  });

  it('reports malformed JSON with line and column and leaves the file untouched', () => {
    const d = dir();
    const p = join(d, 'tasks.json');
    const bad = '{\n  "master": {\n    "tasks": [,]\n  }\n}\n';
    writeFileSync(p, bad);
    expect(() => writeTag(p, { tag: 'x', mode: 'create', build: () => [task(1)] })).toThrow(/line 3, column/);
    expect(readFileSync(p, 'utf8')).toBe(bad);
    writeFileSync(p, '{"master": {"nope": 1}}');
    expect(() => readTasksFile(p)).toThrow(/tag "master" has no "tasks" array/);
  });
});

describe('lock', () => {
  it('waits for a held lock and fails with a hint when it is not released', () => {
    const d = dir();
    const p = join(d, 'tasks.json');
    writeFileSync(`${p}.lock`, JSON.stringify({ pid: 1, timestamp: Date.now() }));
    expect(() => withFileLock(p, () => 1, { timeoutMs: 200 })).toThrow(/locked by another process/);
    expect(existsSync(`${p}.lock`)).toBe(true);
  });

  it('treats a directory lock (tm-core) the same and removes stale locks', () => {
    const d = dir();
    const p = join(d, 'tasks.json');
    mkdirSync(`${p}.lock`);
    expect(() => withFileLock(p, () => 1, { timeoutMs: 150 })).toThrow(/locked/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${p}.lock`, old, old);
    expect(withFileLock(p, () => 42)).toBe(42);
    expect(existsSync(`${p}.lock`)).toBe(false);
  });
});

describe('state.json', () => {
  it('gives the current tag, defaulting to master', () => {
    const d = dir();
    expect(currentTag(join(d, 'state.json'))).toBe('master');
    writeFileSync(join(d, 'state.json'), JSON.stringify({ currentTag: 'feature-x', branchTagMapping: {} }));
    expect(currentTag(join(d, 'state.json'))).toBe('feature-x');
    writeFileSync(join(d, 'state.json'), '{broken');
    expect(currentTag(join(d, 'state.json'))).toBe('master');
  });
});

import { jsonErrorOffset } from '../../../src/util/json-position.js';
describe('json error offset', () => {
  it('accepts valid JSON and points at the first error', () => {
    for (const ok of [fixture, '[]', '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"]}', ' "s" '])
      expect(jsonErrorOffset(ok)).toBe(-1);
    expect(jsonErrorOffset('[1,]')).toBe(3);
    expect(jsonErrorOffset('{"a":1,}')).toBe(7);
    expect(jsonErrorOffset('{"a" 1}')).toBe(5);
    expect(jsonErrorOffset('[1] x')).toBe(4);
    expect(jsonErrorOffset('{"a":"unterminated')).toBe(18);
  });
});
