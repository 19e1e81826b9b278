import { describe, expect, it } from 'vitest';
import { chunkPrd, estimateTokens, splitSections } from '../../../src/prd/split.js';
import { breakCycles, mergeDuplicates, normalizeDeps, sameWork, type PlanNode } from '../../../src/prd/plan.js';
import { mapPriority } from '../../../src/prd/schema.js';

const node = (path: string, title: string, deps: number[] = [], extra: Partial<PlanNode> = {}): PlanNode => ({
  path,
  depth: 1,
  title,
  description: `${title} desc`,
  details: 'd',
  testStrategy: '',
  priority: 'medium',
  complexity: 3,
  deps,
  children: [],
  source: 'model',
  ...extra,
});

describe('splitting', () => {
  it('splits at headings, keeps the heading chain, ignores headings inside code fences', () => {
    const s = splitSections('intro\n# A\ntext a\n## A1\n```\n# not a heading\n```\n## A2\nx\n# B\ny');
    expect(s.map((x) => x.path.join('>'))).toEqual(['', 'A', 'A>A1', 'A>A2', 'B']);
    expect(s[2]!.text).toContain('# not a heading');
  });

  it('keeps a PRD that fits as one chunk and splits a large one within the budget, in order', () => {
    const small = '# P\n## F1\nsome text\n## F2\nmore';
    expect(chunkPrd(small, 1000)).toHaveLength(1);
    const big = Array.from({ length: 12 }, (_, i) => `## Feature ${i}\n${'word '.repeat(200)}`).join('\n');
    const chunks = chunkPrd(big, 600);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.tokens).toBeLessThanOrEqual(600);
    expect(chunks.flatMap((c) => c.headings)).toEqual(Array.from({ length: 12 }, (_, i) => `Feature ${i}`));
    expect(
      chunks
        .map((c) => c.text)
        .join('\n\n')
        .replace(/\s+/g, ' ')
        .trim(),
    ).toBe(big.replace(/\s+/g, ' ').trim());
  });

  it('cuts one oversized section at paragraphs with its heading repeated', () => {
    const text = `## Huge\n${Array.from({ length: 40 }, (_, i) => `paragraph ${i} ${'x'.repeat(300)}`).join('\n\n')}`;
    const chunks = chunkPrd(text, 500);
    expect(chunks.length).toBeGreaterThan(4);
    expect(chunks.every((c) => c.tokens <= 500)).toBe(true);
    expect(chunks.slice(1).every((c) => c.text.startsWith('(continued: Huge)'))).toBe(true);
    expect(estimateTokens('abcd')).toBe(1);
  });
});

describe('dependencies', () => {
  it('drops unknown and self references and converts positions to indexes', () => {
    const r = normalizeDeps(
      [
        [2, 2, 9],
        [1, 2],
        [0, -1, 1],
      ],
      ['a', 'b', 'c'],
    );
    expect(r.deps).toEqual([[1], [0], [0]]);
    expect(r.fixes.map((f) => `${f.at}:${f.dep}:${f.reason}`)).toEqual([
      'a:9:unknown',
      'b:2:self',
      'c:0:unknown',
      'c:-1:unknown',
    ]);
  });

  it('breaks cycles deterministically and leaves a DAG', () => {
    const deps = [[1], [2], [0], [0, 2]];
    const a = breakCycles(deps, ['n0', 'n1', 'n2', 'n3']);
    const b = breakCycles(deps, ['n0', 'n1', 'n2', 'n3']);
    expect(a).toEqual(b);
    expect(a.fixes).toEqual([{ at: 'n2', dep: 'n0', reason: 'cycle' }]);
    expect(a.deps).toEqual([[1], [2], [], [0, 2]]);
    // acyclic input is untouched
    expect(breakCycles([[], [0], [0, 1]], ['x', 'y', 'z']).fixes).toEqual([]);
  });
});

describe('duplicates', () => {
  it('recognises the same work under slightly different titles', () => {
    expect(sameWork('Implement user authentication', 'User Authentication')).toBe(true);
    expect(sameWork('Set up the database schema', 'Database schema setup')).toBe(true);
    expect(sameWork('User authentication', 'Payment processing')).toBe(false);
  });

  it('merges duplicates, keeps the higher priority, and redirects dependencies', () => {
    const nodes = [
      node('c0/t1', 'Database schema'),
      node('c0/t2', 'REST API', [0]),
      node('c1/t1', 'Database Schema', [], { priority: 'high', complexity: 8 }),
      node('c1/t2', 'Search endpoint', [2, 1]),
    ];
    const r = mergeDuplicates(nodes);
    expect(r.nodes.map((n) => n.title)).toEqual(['Database schema', 'REST API', 'Search endpoint']);
    expect(r.nodes[0]).toMatchObject({ priority: 'high', complexity: 8 });
    expect(r.nodes[2]!.deps).toEqual([0, 1]);
    expect(r.merged).toEqual([{ kept: 'c0/t1', dropped: 'c1/t1' }]);
  });
});

describe('priorities', () => {
  it('maps free-form priorities into task-master set', () => {
    expect(['High', 'critical', 'P0', 'urgent'].map((p) => mapPriority(p))).toEqual(['high', 'high', 'high', 'high']);
    expect(['low', 'minor', 'nice-to-have', 'P3'].map((p) => mapPriority(p))).toEqual(['low', 'low', 'low', 'low']);
    expect(['medium', 'normal', '???', ''].map((p) => mapPriority(p))).toEqual([
      'medium',
      'medium',
      'medium',
      'medium',
    ]);
  });
});
