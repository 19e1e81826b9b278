import { describe, expect, it } from 'vitest';
import { applyScope, scopePrompt, scopeSchema, scopeTarget } from '../../../src/tasks/scope.js';

const sub = (id: number, status: string, deps: unknown[] = []) => ({
  id,
  title: `Sub ${id}`,
  description: `d${id}`,
  details: `x${id}`,
  status,
  dependencies: deps,
});
const task = () => ({
  id: 3,
  title: 'Sync',
  description: 'Sync notes.',
  details: 'Two-way.',
  testStrategy: 'e2e',
  status: 'pending',
  subtasks: [sub(1, 'done'), sub(2, 'pending', [1]), sub(3, 'in-progress'), sub(4, 'pending', [2, '3.2'])],
});
const text = { title: 'Sync, rescoped', description: 'Sync notes.', details: 'Two-way.', testStrategy: 'e2e' };

describe('scope-up/down: the pending subtasks follow the scope', () => {
  it("targets task-master's counts: more when scoped up, fewer when down, steered by complexity", () => {
    // 2 kept (done, in progress), 2 pending
    expect(scopeTarget(2, 2, 'up', 'regular')).toBe(6); // max(6, 2+3)=6 x1.2 = 8 total
    expect(scopeTarget(2, 2, 'up', 'heavy')).toBe(10); // max(8, 2+4)=8 x1.4 = 12 total
    expect(scopeTarget(2, 2, 'down', 'regular')).toBe(1); // max(3, 2+1)=3 total
    expect(scopeTarget(0, 6, 'down', 'heavy')).toBe(2); // max(2, 0+2)=2 x0.7 -> 2
    expect(scopeTarget(0, 6, 'down', 'heavy', 9)).toBe(1); // a very complex task shrinks harder
    expect(scopeTarget(0, 4, 'up', 'light', 3)).toBeLessThan(scopeTarget(0, 4, 'up', 'light', 10)!);
    expect(scopeTarget(3, 0, 'up', 'heavy')).toBeUndefined(); // nothing pending: subtasks left alone
  });

  it('keeps by id, adds without id, drops what is left out (and sibling deps on it), never touches the rest', () => {
    const t = task();
    const r = applyScope(t, {
      ...text,
      subtasks: [
        { id: 4, title: 'Merge conflicts, smaller', description: 'd', details: 'x' },
        { id: 1, title: 'Rewrite of a done one', description: 'd', details: 'x' },
        { title: 'Offline queue', description: 'queue edits', details: 'IndexedDB' },
      ],
    });
    expect(t.subtasks.map((s) => [s.id, s.status, s.title])).toEqual([
      [1, 'done', 'Sub 1'],
      [3, 'in-progress', 'Sub 3'],
      [4, 'pending', 'Merge conflicts, smaller'],
      [5, 'pending', 'Offline queue'],
    ]);
    expect(t.subtasks[2]!.dependencies).toEqual([]); // 2 and '3.2' were the dropped subtask
    expect(r.ignored).toEqual([1]);
    expect(r.changed).toEqual(expect.arrayContaining(['title', '3.4 title', '3.5 added', '3.2 dropped']));
  });

  it('a task without pending subtasks keeps its subtasks whatever the answer lists', () => {
    const t = { ...task(), subtasks: [sub(1, 'done')] };
    const r = applyScope(t, { ...text, subtasks: [{ title: 'New', description: 'd', details: 'x' }] });
    expect(t.subtasks).toEqual([sub(1, 'done')]);
    expect(r.changed).toEqual(['title']);
  });

  it('asks for about the target count, and says how to keep, add and drop', () => {
    const schema = scopeSchema(4);
    const answer = (n: number) => ({
      ...text,
      subtasks: Array.from({ length: n }, () => ({ title: 't', description: '', details: '' })),
    });
    expect([2, 3, 5, 6].map((n) => schema.safeParse(answer(n)).success)).toEqual([false, true, true, false]);
    expect(scopeSchema(undefined).safeParse({ ...text }).success).toBe(true);
    const p = scopePrompt('ctx', task(), { direction: 'up', strength: 'regular', target: 6 });
    const user = p.messages.at(-1)!.content;
    expect(p.promptId).toBe('scope-task@v2');
    expect(user).toMatch(/2 pending subtask\(s\); rescoped, it should have about 6/);
    expect(user).toMatch(/a new subtask has no "id"/);
  });
});
