import { describe, expect, it } from 'vitest';
import { toTaskMaster } from '../../../src/prd/map.js';
import type { PlanNode } from '../../../src/prd/plan.js';
import { structuralPlan, STRUCTURAL_LABEL } from '../../../src/prd/structural.js';

const n = (path: string, depth: number, title: string, children: PlanNode[] = [], deps: number[] = []): PlanNode => ({
  path,
  depth,
  title,
  description: depth === 3 ? '' : `${title} description`,
  details: `${title} details`,
  testStrategy: 'test it',
  priority: 'high',
  complexity: 5,
  deps,
  children,
  source: 'model',
});

describe('mapping to task-master', () => {
  const plan = [
    n('c0/t1', 1, 'Schema', [
      n('c0/t1/1', 2, 'Tables'),
      n(
        'c0/t1/2',
        2,
        'Migrations',
        [n('c0/t1/2/1', 3, 'Write up'), n('c0/t1/2/2', 3, 'Write down', [n('x', 4, 'Deep')])],
        [0],
      ),
    ]),
    n('c0/t2', 1, 'API', [], [0]),
  ];

  it('numbers tasks from firstId, subtasks 1..m, sibling deps as numbers, deeper levels as a checklist', () => {
    const t = toTaskMaster(plan, { firstId: 4 });
    expect(t.map((x) => x.id)).toEqual([4, 5]);
    expect(t[1]!.dependencies).toEqual([4]);
    expect(t[0]!.subtasks.map((s) => s.id)).toEqual([1, 2]);
    expect(t[0]!.subtasks[1]!.dependencies).toEqual([1]);
    expect(t[0]!.subtasks[1]!.details).toContain('- [ ] Write up: Write up');
    expect(t[0]!.subtasks[1]!.details).toContain('  - [ ] Deep: Deep description');
    for (const task of t) {
      expect(task).toMatchObject({ status: 'pending' });
      expect(['high', 'medium', 'low']).toContain(task.priority);
      expect(task.description.length).toBeGreaterThan(0);
      for (const s of task.subtasks) expect(s.description.length).toBeGreaterThan(0);
    }
  });

  it('never writes an empty description', () => {
    const t = toTaskMaster([{ ...n('a', 1, 'Only title'), description: '  ' }], { firstId: 1 });
    expect(t[0]!.description).toBe('Only title');
  });
});

describe('structural planner', () => {
  const prd = `# Shop\n## Overview\nA small shop.\n## Non-goals\n- payments\n## Features\n### Catalog\nBrowse products by category.\n- list products\n  - paginate\n- product page\n### Cart\nKeep items.\n- add item\n- remove item\n## Deployment\nShip it as a container.`;

  it('turns work sections into tasks, list items into subtasks, and skips descriptive sections', () => {
    const p = structuralPlan(prd, { maxDepth: 3, numTasks: 0 });
    expect(p.map((x) => x.title)).toEqual(['Catalog', 'Cart', 'Deployment']);
    expect(p[0]!.description).toBe('Browse products by category.');
    expect(p[0]!.children.map((c) => c.title)).toEqual(['list products', 'product page']);
    expect(p[0]!.children[0]!.children.map((c) => c.title)).toEqual(['paginate']);
    expect(structuralPlan(prd, { maxDepth: 1, numTasks: 2 }).map((x) => [x.title, x.children.length])).toEqual([
      ['Catalog', 0],
      ['Cart', 0],
    ]);
    const tm = toTaskMaster(p, { firstId: 1, label: STRUCTURAL_LABEL });
    expect(tm.every((t) => t.details.includes('[structural planner]'))).toBe(true);
    expect(structuralPlan(prd, { maxDepth: 3, numTasks: 0 })).toEqual(p);
  });

  it('uses list items when there are no headings, and one task for plain prose', () => {
    expect(structuralPlan('- build login\n- build logout', { maxDepth: 2, numTasks: 0 }).map((x) => x.title)).toEqual([
      'build login',
      'build logout',
    ]);
    expect(structuralPlan('Make a tiny calculator app that adds numbers.', { maxDepth: 2, numTasks: 0 })).toHaveLength(
      1,
    );
  });
});
