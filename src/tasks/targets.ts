/**
 * Which tasks a command works on and with what, decided before any model is asked (bad input is
 * refused here, tasks.json untouched): expand's targets with their subtask counts and guidance (as
 * task-master decides them: `-n`, else the complexity report's recommendation, else the configured
 * default), analyze-complexity's by `--id` or `--from/--to`.
 */
import { ValidationError } from '../errors.js';
import type { ExpandTarget } from './expand.js';
import { parseTopId, parseTopIdList } from './ids.js';
import type { Guidance } from './prompts.js';
import { entryFor, expansionText, type ComplexityReport } from './report.js';
import { findTask, idRanges, subtasksOf, type TagTasks, type TaskRecord } from './store.js';

/** Statuses `expand --all` works on (as task-master's expand-all). */
const EXPANDABLE = new Set(['pending', 'in-progress']);
/** Statuses analyze-complexity leaves out unless named by --id. */
const FINISHED = new Set(['done', 'completed', 'cancelled']);

const status = (t: TaskRecord) => (typeof t.status === 'string' ? t.status : 'pending');

export interface ExpandSelection {
  id?: string;
  /** Exactly these tasks (a resumed run repeats the tasks it was started on). */
  ids?: number[];
  all?: boolean;
  force?: boolean;
  /** -n: subtasks per task (0 = the model decides). */
  num?: number;
  prompt?: string;
  report?: ComplexityReport;
  /** global.defaultSubtasks of config.json (task-master's default 5). */
  defaultSubtasks: number;
}

/** The user's prompt must say something. */
export function checkPrompt(prompt: string | undefined, flag = '--prompt'): void {
  if (prompt !== undefined && !prompt.trim())
    throw new ValidationError(`${flag} is empty`, {
      hint: `say what to take into account, e.g. ${flag} "use PostgreSQL"`,
    });
}

/** The tasks expand works on, and skipped ones with the reason. */
export function expandTargets(
  t: TagTasks,
  s: ExpandSelection,
): { targets: ExpandTarget[]; skipped: { id: number; reason: string }[] } {
  if ([s.id, s.all, s.ids].filter(Boolean).length !== 1)
    throw new ValidationError(s.id ? '--id and --all cannot be combined' : 'expand needs --id <id> or --all', {
      hint: 'expand one task with --id <id>, or every pending task without subtasks with --all',
    });
  checkPrompt(s.prompt);
  const skipped: { id: number; reason: string }[] = [];
  let tasks: TaskRecord[];
  if (s.id) tasks = [findTask(t, parseTopId(s.id))];
  else if (s.ids) tasks = s.ids.map((id) => findTask(t, id));
  else {
    tasks = [];
    for (const x of t.tasks) {
      const id = Number(x.id);
      if (!EXPANDABLE.has(status(x))) continue;
      if (subtasksOf(x).length && !s.force) skipped.push({ id, reason: 'has subtasks (use --force to replace them)' });
      else tasks.push(x);
    }
  }
  const targets = tasks.map((task): ExpandTarget => {
    const id = Number(task.id);
    const entry = entryFor(s.report, id);
    const count =
      s.num !== undefined ? s.num : entry?.recommendedSubtasks ? entry.recommendedSubtasks : s.defaultSubtasks;
    const guidance: Guidance[] = [];
    if (s.prompt?.trim())
      guidance.push({ title: 'What the user asks for this breakdown', label: 'request', text: s.prompt });
    const advice = entry ? expansionText(entry) : '';
    if (advice.trim())
      guidance.push({ title: 'Advice from the complexity analysis of this task', label: 'advice', text: advice });
    const existing = s.force ? [] : subtasksOf(task).map((x) => String(x.title ?? ''));
    return {
      id,
      task,
      count,
      guidance,
      complexity: entry ? Math.max(1, Math.round(entry.complexityScore)) : 5,
      ...(existing.length ? { existing } : {}),
    };
  });
  return { targets, skipped };
}

export interface AnalyzeSelection {
  ids?: string;
  from?: number;
  to?: number;
}

/** The tasks analyze-complexity scores: --id's, else unfinished ones within --from/--to. */
export function analyzeTargets(t: TagTasks, s: AnalyzeSelection): TaskRecord[] {
  if (s.ids) return [...new Set(parseTopIdList(s.ids))].map((id) => findTask(t, id));
  const ids = t.tasks.map((x) => Number(x.id));
  const last = Math.max(0, ...ids);
  if (s.from !== undefined && s.from > last)
    throw new ValidationError(`--from ${s.from} is beyond the last task (${last}) of tag "${t.tag}"`, {
      hint: `task ids in tag "${t.tag}": ${idRanges(ids)}`,
    });
  if (s.from !== undefined && s.to !== undefined && s.to < s.from)
    throw new ValidationError(`--to ${s.to} is before --from ${s.from}`, { hint: 'give a range like --from 3 --to 7' });
  return t.tasks.filter((x) => {
    const id = Number(x.id);
    return !FINISHED.has(status(x)) && (s.from === undefined || id >= s.from) && (s.to === undefined || id <= s.to);
  });
}
