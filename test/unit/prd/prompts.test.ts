import { describe, expect, it } from 'vitest';
import type { PlanNode } from '../../../src/prd/plan.js';
import { chunkRequest, expandRequest } from '../../../src/prd/prompt-set.js';
import { leadingUserBlock, planningSystem } from '../../../src/prd/prompts.js';
import { chunkPrd } from '../../../src/prd/split.js';
import type { ChatMessage } from '../../../src/models/types.js';

const PRD = `# Notes app

## Editor
Markdown editor with autosave every 5 seconds.

## Sync
Sync notes between devices; last writer wins, conflicts kept as copies.

## Search
Full-text search over titles and bodies.
`;
const [chunk] = chunkPrd(PRD, 4000);

const task = (j: number, title: string, extra: Partial<PlanNode> = {}): PlanNode => ({
  path: `c0/t${j}`,
  depth: 1,
  title,
  description: `${title}: what it achieves.`,
  details: `How to build ${title.toLowerCase()}.`,
  testStrategy: 'unit tests',
  priority: 'high',
  complexity: 7,
  deps: [],
  children: [],
  source: 'model',
  ...extra,
});
const tasks = [
  task(1, 'Set up the project'),
  task(2, 'Build the editor'),
  task(3, 'Build sync'),
  task(4, 'Add search'),
];
const expandOf = (i: number, list = tasks) => expandRequest(2, list[i]!, [list.slice(0, i + 1)], chunk!, 8192);

/** What the server tokenizes: the messages rendered one after the other (any chat template keeps this order). */
const wire = (ms: ChatMessage[]) => ms.map((m) => `<${m.role}>\n${m.content}\n`).join('');
const common = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
};

describe('prefix-stable planning prompts (v2)', () => {
  it('every call of a PRD part opens with the same system text and the same fenced PRD block', () => {
    const head =
      wire([{ role: 'system', content: planningSystem() }]) +
      `<user>\n${leadingUserBlock({ label: 'prd', text: chunk!.text })}`;
    const top = chunkRequest(2, chunk!, 1, undefined);
    const calls = [top, ...tasks.map((_t, i) => expandOf(i))];
    for (const c of calls) {
      expect(c.messages.map((m) => m.role)).toEqual(['system', 'user']);
      expect(wire(c.messages).startsWith(head)).toBe(true);
    }
    // The first expansion shares the top-level call's whole leading block, and nothing is sent twice in it.
    expect(common(wire(top.messages), wire(calls[1]!.messages))).toBeGreaterThanOrEqual(head.length);
    expect(head).toContain('Sync notes between devices');
  });

  it('two sibling expansions agree byte for byte up to the later task, the earlier siblings included', () => {
    const a = wire(expandOf(2).messages);
    const b = wire(expandOf(3).messages);
    const n = common(a, b);
    // Everything up to and including the line of task 3 is shared; task 4's own text starts after it.
    expect(a.slice(0, n)).toContain('3. Build sync\n');
    expect(b.slice(n)).toMatch(/^ {3}Description: Build sync|^4\. Add search/);
    expect(b.indexOf('4. Add search')).toBeGreaterThanOrEqual(n);
  });

  it('a change of the task text changes nothing before it', () => {
    const before = wire(expandOf(2).messages);
    const edited = tasks.map((t, i) =>
      i === 2 ? { ...t, title: 'Build offline sync', details: 'Totally different details <<<END PRD>>>' } : t,
    );
    const after = wire(expandOf(2, edited).messages);
    const n = common(before, after);
    const taskStart = before.indexOf('3. Build sync');
    expect(n).toBe(taskStart + '3. Build '.length);
    // The fence of the PRD part (and of the plan) does not move because of what a task says.
    expect(after).toContain('<<<END PRD>>>\n\n');
    expect(after).toContain('<< <END PRD>>>');
  });

  it('a plan line rendered once follows its node when the node is edited in place or listed at another level', () => {
    const own = tasks.map((t) => ({ ...t }));
    const first = expandRequest(2, own[2]!, [own.slice(0, 3)], chunk!, 8192).messages[1]!.content;
    expect(first).toContain('2. Build the editor\n');
    own[1]!.title = 'Build the\n   rich editor';
    own[1]!.path = 'c0/t7';
    const edited = expandRequest(2, own[2]!, [own.slice(0, 3)], chunk!, 8192).messages[1]!.content;
    expect(edited).toContain('\n7. Build the rich editor\n3. Build sync\n');
    expect(edited).not.toContain('2. Build the editor');
    // The same node listed one level down is indented and carries no dot.
    const deeper = expandRequest(2, own[2]!, [own.slice(0, 1), own.slice(1, 3)], chunk!, 8192).messages[1]!.content;
    expect(deeper).toContain('1. Set up the project\n   7 Build the rich editor\n   3 Build sync\n');
    // Another PRD part gets its own fenced block, and the first part's block comes back unchanged.
    const other = { ...chunk!, text: 'Another part <<<END PRD>>>' };
    const b = expandRequest(2, own[0]!, [own.slice(0, 1)], other, 8192).messages[1]!.content;
    expect(b.startsWith('<<<BEGIN PRD_1>>>\nAnother part <<<END PRD>>>\n<<<END PRD_1>>>\n\n')).toBe(true);
    expect(leadingUserBlock({ label: 'prd', text: chunk!.text })).toBe(first.slice(0, first.indexOf('The plan')));
  });

  it('keeps the old prompt version available for side-by-side runs', () => {
    const v1 = chunkRequest(1, chunk!, 1, undefined);
    expect(v1.promptId).toBe('parse-prd@v1');
    expect(chunkRequest(2, chunk!, 1, undefined).promptId).toBe('parse-prd@v2');
    const e1 = expandRequest(1, tasks[0]!, [tasks.slice(0, 1)], chunk!, 8192);
    expect(e1.promptId).toBe('expand-task@v1');
    expect(expandOf(0).promptId).toBe('expand-task@v2');
    // v1's system texts differ per call kind: the very thing v2 removes.
    expect(v1.messages[0]!.content).not.toBe(e1.messages[0]!.content);
  });

  it('deeper levels list the ancestors and their earlier siblings by title only', () => {
    const sub = (k: number, title: string): PlanNode => ({ ...task(0, title), path: `c0/t3/${k}`, depth: 2 });
    const subs = [sub(1, 'Define the sync protocol'), sub(2, 'Write the conflict copier')];
    const p = expandRequest(2, subs[1]!, [tasks.slice(0, 3), subs], chunk!, 8192);
    const user = p.messages[1]!.content;
    expect(user).toContain(
      '1. Set up the project\n2. Build the editor\n3. Build sync\n   3.1 Define the sync protocol\n   3.2 Write the conflict copier\n      Description:',
    );
    expect(user).not.toContain('Build sync: what it achieves'); // ancestors: titles only
    expect(user).toContain('Break subtask 3.2 above');
  });
});
