import { describe, expect, it } from 'vitest';
import type { PlanNode } from '../../../src/prd/plan.js';
import { estimateTokens } from '../../../src/prd/split.js';
import { analysisSchema, batchTasks } from '../../../src/tasks/analyze.js';
import { projectContext } from '../../../src/tasks/context.js';
import { heuristicEntry } from '../../../src/tasks/heuristic.js';
import { analysisPrompt, subtaskBounds, subtaskPrompt, taskSummary } from '../../../src/tasks/prompts.js';
import { structuralSubtasks } from '../../../src/tasks/structural.js';

const tasks = Array.from({ length: 6 }, (_, i) => ({
  id: i + 1,
  title: `Task ${i + 1}`,
  description: `What task ${i + 1} does.`,
  details: `How task ${i + 1} is built.`,
  status: 'pending',
}));
const node = (path: string, title: string, depth = 1): PlanNode => ({
  path,
  depth,
  title,
  description: `${title} description`,
  details: `${title} details`,
  testStrategy: '',
  priority: 'medium',
  complexity: 5,
  deps: [],
  children: [],
  source: 'model',
});
const text = (m: { content: string }[]) => m.map((x) => x.content).join('\u0000');
const common = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
};

describe('prompts of the task commands (issue 17: one leading block)', () => {
  const ctx = projectContext(tasks, 'master');
  it('expansions of two tasks and an analysis share the system text and the fenced task list byte for byte', () => {
    const a = subtaskPrompt(ctx, [[node('t1', 'Task 1')]], node('t1', 'Task 1'), { count: 4 }).messages;
    const b = subtaskPrompt(ctx, [[node('t2', 'Task 2')]], node('t2', 'Task 2'), { count: 4 }).messages;
    const c = analysisPrompt(ctx, tasks.slice(0, 3)).messages;
    expect(a[0]).toEqual(b[0]);
    expect(a[0]).toEqual(c[0]);
    const block = a[1]!.content.slice(0, a[1]!.content.indexOf('<<<END PROJECT>>>') + '<<<END PROJECT>>>'.length);
    expect(block).toContain('6. Task 6 [pending]');
    for (const m of [b, c]) expect(m[1]!.content.startsWith(block)).toBe(true);
  });
  it('sibling subtask expansions agree up to their own title; changing a task changes nothing before it', () => {
    const root = node('t3', 'Task 3');
    const kids = [node('t3/1', 'First step', 2), node('t3/2', 'Second step', 2)];
    const p1 = text(subtaskPrompt(ctx, [[root], kids.slice(0, 1)], kids[0]!, { count: 3 }).messages);
    const p2 = text(subtaskPrompt(ctx, [[root], kids], kids[1]!, { count: 3 }).messages);
    // Everything up to and including the earlier sibling's line is shared; they part where the node's own part starts.
    expect(common(p1, p2)).toBeGreaterThanOrEqual(p1.indexOf('3.1 First step\n') + '3.1 First step\n'.length);
    expect(p2.slice(common(p1, p2))).toMatch(/^3\.2 Second step/);
    const edited = { ...kids[0]!, details: 'Other details' };
    const p1b = text(subtaskPrompt(ctx, [[root], [edited]], edited, { count: 3 }).messages);
    expect(common(p1, p1b)).toBeGreaterThan(p1.indexOf('First step'));
  });
  it('appending lists the subtasks a task keeps; counts become bounds', () => {
    const r = text(
      subtaskPrompt(ctx, [[node('t1', 'T')]], node('t1', 'T'), { count: 1, existing: ['Old one'] }).messages,
    );
    expect(r).toContain('Subtasks it already has: Old one');
    expect(r).toContain('into 1 subtask:');
    expect(subtaskBounds(1)).toMatchObject({ min: 1, max: 3 });
    expect(subtaskBounds(0)).toMatchObject({ min: 2 });
  });
});

describe('analysis batches', () => {
  it("a 200-task project fits an 8k context: every batch's request stays within half of it", () => {
    const many = Array.from({ length: 200 }, (_, i) => ({
      id: i + 1,
      title: `Feature ${i + 1} with a longer title`,
      description: 'A description of a couple of sentences. It says what the task achieves.',
      details: 'x '.repeat(300),
      status: 'pending',
    }));
    const ctx = projectContext(many, 'master', 2048);
    expect(estimateTokens(ctx)).toBeLessThanOrEqual(2048 + 20);
    const left = 4096 - estimateTokens(ctx) - 600;
    const batches = batchTasks(many, 8, left);
    expect(batches.flat()).toHaveLength(200);
    for (const b of batches) expect(estimateTokens(analysisPrompt(ctx, b).messages[1]!.content)).toBeLessThan(4096);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(8);
  });
  it('the answer schema wants exactly one entry per task of the batch', () => {
    const e = { taskId: 1, complexityScore: 5, recommendedSubtasks: 3, expansionPrompt: 'x', reasoning: 'y' };
    expect(analysisSchema(2).safeParse({ complexityAnalysis: [e, { ...e, taskId: 2 }] }).success).toBe(true);
    expect(analysisSchema(2).safeParse({ complexityAnalysis: [e] }).success).toBe(false);
    expect(taskSummary({ id: 4, title: 'T', dependencies: [1, 2], subtasks: [{ id: 1, title: 'S' }] })).toContain(
      'Dependencies: 1, 2',
    );
  });
});

describe('without a model', () => {
  it('heuristic scores grow with the text and are labelled', () => {
    const small = heuristicEntry({ id: 1, title: 'a', details: 'Fix a typo.' });
    const big = heuristicEntry({
      id: 2,
      title: 'b',
      details: `Migrate auth to a distributed cache with encryption.\n${'- step\n'.repeat(8)}${'word '.repeat(300)}`,
      dependencies: [1, 3],
    });
    expect(big.complexityScore).toBeGreaterThan(small.complexityScore);
    expect(big.reasoning).toMatch(/^\[heuristic, no model\].*risk words: /);
  });
  it("the structural split takes a task's list, else its sentences, else nothing", () => {
    const list = structuralSubtasks(
      { id: 1, task: { details: 'Intro.\n- a thing\n  - inner\n- b thing' }, count: 0 },
      2,
    );
    expect(list.map((n) => n.title)).toEqual(['a thing', 'b thing']);
    expect(list[0]!.children.map((n) => n.title)).toEqual(['inner']);
    const sentences = structuralSubtasks(
      { id: 2, task: { details: 'Store the data first. Then sync it to the server.' }, count: 0 },
      1,
    );
    expect(sentences).toHaveLength(2);
    expect(structuralSubtasks({ id: 3, task: { details: 'One sentence only.' }, count: 0 }, 1)).toEqual([]);
  });
});

describe('report path', () => {
  it("is task-master's: the master report, `_<tag>` for others; a tag with a path separator is refused", async () => {
    const { reportPath } = await import('../../../src/tasks/report.js');
    expect(reportPath('/p/.taskmaster', 'master')).toBe('/p/.taskmaster/reports/task-complexity-report.json');
    expect(reportPath('/p/.taskmaster', 'feature-x')).toBe(
      '/p/.taskmaster/reports/task-complexity-report_feature-x.json',
    );
    expect(() => reportPath('/p/.taskmaster', '../x')).toThrow(/path separator/);
  });
});
