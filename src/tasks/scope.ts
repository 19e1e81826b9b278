/**
 * scope-up / scope-down, as task-master does them: the task's text is rewritten to a larger or smaller
 * scope, and so is its list of pending subtasks, which grows or shrinks with the scope. Subtasks that
 * are not pending (done, in progress, review, deferred, blocked, cancelled) are work already started
 * or settled: kept as they are, never dropped. The target count follows task-master's rule (see
 * scopeTarget). The model answers one list: a pending subtask it keeps carries its id (rescoped text,
 * same id, status and dependencies), a new one has no id, and a pending subtask it leaves out is dropped
 * (with the sibling dependencies on it). A task without pending subtasks keeps its subtasks as they are.
 */
import { z } from 'zod';
import type { BuiltPrompt } from '../prd/prompts.js';
import { loadPrompt } from '../prompting/index.js';
import { oneLine, taskMessages } from './context.js';
import { backgroundBlock, describeTask, REWRITE_FIELDS } from './edit.js';
import { fenceData } from '../prompting/index.js';
import { sameId, subtasksOf, type TaskRecord } from './store.js';

export type ScopeDirection = 'up' | 'down';
export const SCOPE_STRENGTHS = ['light', 'regular', 'heavy'] as const;
export type ScopeStrength = (typeof SCOPE_STRENGTHS)[number];

/** Pending subtasks are the ones a rescope may rewrite, add or drop (a missing status is pending). */
export const isPendingSubtask = (s: TaskRecord): boolean => String(s.status ?? 'pending') === 'pending';

/**
 * How many pending subtasks the rescoped task should have: task-master's rule. From the kept
 * (non-pending) count `kept`, the pending count `pending`, the direction and strength, and the task's
 * complexity score from the complexity report when there is one (a complex task grows more when
 * scoped up and shrinks more when scoped down). Undefined when the task has no pending subtasks
 * (task-master then leaves its subtasks alone).
 */
export function scopeTarget(
  kept: number,
  pending: number,
  direction: ScopeDirection,
  strength: ScopeStrength,
  complexity?: number,
): number | undefined {
  if (pending === 0) return undefined;
  let total: number;
  if (direction === 'up') {
    const weight = complexity ? Math.max(0.5, complexity / 10) : 1;
    const steps: Record<ScopeStrength, [number, number, number]> = {
      light: [5, 1.1, 0.4],
      regular: [6, 1.3, 0.4],
      heavy: [8, 1.6, 0.6],
    };
    const [floor, growth, spread] = steps[strength];
    total = Math.ceil(Math.max(floor, kept + Math.ceil(pending * growth)) * (0.8 + spread * weight));
  } else if (strength === 'heavy') {
    const cut = complexity === undefined ? 0.7 : complexity >= 9 ? 0.3 : complexity >= 7 ? 0.5 : 0.7;
    total = Math.max(1, Math.ceil(Math.max(2, kept + Math.ceil(pending * 0.25)) * cut));
  } else {
    const cut = complexity === undefined ? 1 : complexity >= 8 ? 0.7 : complexity >= 6 ? 0.85 : 1;
    total = Math.ceil(Math.max(3, kept + Math.ceil(pending * (strength === 'light' ? 0.8 : 0.5))) * cut);
  }
  return Math.max(1, total - kept);
}

const text = z.string();
const ScopeSubtaskSchema = z.object({
  id: z.number().int().positive().optional(),
  title: text.min(1).max(200),
  description: text,
  details: text,
  testStrategy: text.optional(),
});

const scopeShape = (subtasks: z.ZodType<z.infer<typeof ScopeSubtaskSchema>[]>) =>
  z.object({
    title: text.min(1).max(200),
    description: text.min(1),
    details: text,
    testStrategy: text,
    subtasks,
  });
export type ScopeRewrite = z.infer<ReturnType<typeof scopeShape>>;

// Memoised: the same object for the same bounds lets the model API reuse its JSON Schema conversion.
const schemas = new Map<string, z.ZodType<ScopeRewrite>>();

/** The answer's shape: with a target, about that many pending subtasks (one either way). */
export function scopeSchema(target: number | undefined): z.ZodType<ScopeRewrite> {
  const key = String(target ?? '');
  let s = schemas.get(key);
  if (!s) {
    const list = z.array(ScopeSubtaskSchema);
    s = scopeShape(target === undefined ? list.default([]) : list.min(Math.max(1, target - 1)).max(target + 1));
    schemas.set(key, s);
  }
  return s;
}

const SCOPE_TEXT: Record<ScopeDirection, Record<ScopeStrength, string>> = {
  up: {
    light: 'add the few missing details, edge cases and checks a careful developer would expect.',
    regular: 'cover more cases, a more thorough implementation and broader tests.',
    heavy: 'make it a comprehensive, production-grade piece of work: robustness, extensibility, full tests.',
  },
  down: {
    light: 'drop nice-to-haves and keep all the essentials.',
    regular: 'keep the core behaviour and drop secondary features and polish.',
    heavy: 'keep only the minimal version that delivers the core value.',
  },
};

/** What the prompt says about the subtask list, for a task with `target` pending subtasks to aim at. */
function subtaskRule(task: TaskRecord, target: number | undefined): string {
  const pending = subtasksOf(task).filter(isPendingSubtask).length;
  if (target === undefined)
    return 'The task has no pending subtasks: answer "subtasks" as an empty list (its other subtasks stay as they are).';
  return (
    `The task has ${pending} pending subtask(s); rescoped, it should have about ${target}. Under "subtasks", list ` +
    'the pending subtasks of the rescoped task with their "title", "description", "details" and "testStrategy": ' +
    'a pending subtask above that you keep carries its "id" (rescope its text), a new subtask has no "id", and a ' +
    'pending subtask you leave out is dropped. Never list subtasks that are not [pending]: they stay as they are.'
  );
}

/** The scope-task prompt for one task (after the shared leading block). */
export function scopePrompt(
  context: string,
  task: TaskRecord,
  o: {
    direction: ScopeDirection;
    strength: ScopeStrength;
    target: number | undefined;
    request?: string;
    background?: string;
  },
): BuiltPrompt {
  const f = fenceData('task', describeTask(task, `Task ${oneLine(task.id)}`));
  const p = loadPrompt('scope-task', {
    background: backgroundBlock(o.background),
    task: `${f.open}\n${f.body}\n${f.close}`,
    direction: `a ${o.strength === 'light' ? 'slightly' : o.strength === 'heavy' ? 'much' : 'noticeably'} ${o.direction === 'up' ? 'larger' : 'smaller'} scope`,
    strength: SCOPE_TEXT[o.direction][o.strength],
    request: o.request ? `\nThe user's instructions for it: ${o.request}\n` : '',
    subtasks: subtaskRule(task, o.target),
  });
  return { promptId: p.id, messages: taskMessages(context, p.text.trim()) };
}

/** Removes `dropped` subtask ids from a sibling's dependencies (numbers, or `P.S` strings of this task). */
function withoutDeps(deps: unknown, parent: string, dropped: Set<number>): unknown {
  if (!Array.isArray(deps)) return deps;
  return deps.filter((d) => {
    const own = typeof d === 'string' && d.startsWith(`${parent}.`) ? Number(d.slice(parent.length + 1)) : d;
    return !(typeof own === 'number' && dropped.has(own));
  });
}

/**
 * Applies a rescope in place: the task's text, then (when the task has pending subtasks) the pending
 * list as the answer gives it. Returns what changed (`title`, `3.2 details`, `3.5 added`, `3.4 dropped`)
 * and the ids the answer named that are not pending subtasks (ignored: their subtasks stay as they are).
 */
export function applyScope(task: TaskRecord, r: ScopeRewrite): { changed: string[]; ignored: number[] } {
  const changed: string[] = [];
  const parent = oneLine(task.id);
  const set = (target: TaskRecord, key: string, value: string | undefined, label: string) => {
    if (value === undefined || target[key] === value) return;
    target[key] = value;
    changed.push(label);
  };
  for (const k of REWRITE_FIELDS) set(task, k, r[k], k);
  const subs = subtasksOf(task);
  const pending = subs.filter(isPendingSubtask);
  const ignored: number[] = [];
  if (!pending.length) {
    ignored.push(...r.subtasks.flatMap((s) => (s.id === undefined ? [] : [s.id])));
  } else {
    const keep = new Set<TaskRecord>();
    const added: TaskRecord[] = [];
    let next = subs.reduce((m, s) => Math.max(m, Number(s.id) || 0), 0) + 1;
    for (const s of r.subtasks) {
      const own = s.id === undefined ? undefined : pending.find((x) => sameId(x.id, s.id!));
      if (own && !keep.has(own)) {
        keep.add(own);
        for (const k of REWRITE_FIELDS) set(own, k, s[k], `${parent}.${oneLine(own.id)} ${k}`);
        continue;
      }
      // An id of a started or finished subtask, or one named twice: that subtask stays as it is.
      if (s.id !== undefined && (own || subs.some((x) => sameId(x.id, s.id!)))) {
        ignored.push(s.id);
        continue;
      }
      const id = next++;
      added.push({
        id,
        title: s.title,
        description: s.description,
        details: s.details,
        status: 'pending',
        dependencies: [],
        testStrategy: s.testStrategy ?? '',
      });
      changed.push(`${parent}.${id} added`);
    }
    const dropped = new Set(pending.filter((x) => !keep.has(x)).map((x) => Number(x.id)));
    for (const id of dropped) changed.push(`${parent}.${id} dropped`);
    const rest = subs.filter((x) => !isPendingSubtask(x) || keep.has(x));
    if (dropped.size) for (const x of rest) x.dependencies = withoutDeps(x.dependencies, parent, dropped);
    task.subtasks = [...rest, ...added];
  }
  if (changed.length) task.updatedAt = new Date().toISOString();
  return { changed, ignored };
}
