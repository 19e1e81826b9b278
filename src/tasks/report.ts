/**
 * task-master's complexity report (reference §1, §2.7): `.taskmaster/reports/task-complexity-report.json`
 * for the master tag, `task-complexity-report_<tag>.json` for the others, in the shape its own
 * `complexity-report` and `expand` read. Light on purpose (zod and node:fs only): `complexity-report`
 * must answer in a fresh process within a few tens of milliseconds, so the shape is checked by hand.
 */
import { join } from 'node:path';
import { StorageError, ValidationError } from '../errors.js';
import { atomicWriteFile, readTextFileIfExists } from '../util/fs.js';

/** Where task-master reads and writes the report of a tag. */
export function reportPath(taskmasterDir: string, tag: string): string {
  // task-master puts the tag into the file name as it is: one with a path separator would leave reports/.
  if (/[/\\]|^\.\.?$/.test(tag))
    throw new ValidationError(`tag "${tag}" cannot name a report file (it contains a path separator)`, {
      hint: 'use a tag of letters, digits, dot, dash and underscore',
    });
  const name = tag && tag !== 'master' ? `task-complexity-report_${tag}.json` : 'task-complexity-report.json';
  return join(taskmasterDir, 'reports', name);
}

/** One task's analysis, as task-master writes it (unknown keys kept). */
export interface ComplexityEntry {
  taskId: number | string;
  taskTitle?: string;
  complexityScore: number;
  recommendedSubtasks?: number;
  expansionPrompt?: string | { text: string };
  reasoning?: string;
  [k: string]: unknown;
}

/** The report file (unknown keys kept). */
export interface ComplexityReport {
  meta?: {
    generatedAt?: string;
    tasksAnalyzed?: number;
    totalTasks?: number;
    analysisCount?: number;
    thresholdScore?: number;
    projectName?: string;
    usedResearch?: boolean;
    [k: string]: unknown;
  };
  complexityAnalysis: ComplexityEntry[];
  [k: string]: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with a report's shape (the fields task-master's readers use), or undefined. */
export function reportProblem(raw: unknown): string | undefined {
  if (!isObj(raw)) return '(top level): not an object';
  if (raw.meta !== undefined && !isObj(raw.meta)) return 'meta: not an object';
  if (!Array.isArray(raw.complexityAnalysis)) return 'complexityAnalysis: not an array';
  for (const [i, e] of raw.complexityAnalysis.entries()) {
    const at = `complexityAnalysis.${i}`;
    if (!isObj(e)) return `${at}: not an object`;
    const id = e.taskId;
    if (!((typeof id === 'number' && Number.isInteger(id)) || (typeof id === 'string' && /^\d+$/.test(id))))
      return `${at}.taskId: not a task id`;
    const score = e.complexityScore;
    if (typeof score !== 'number' || score < 0 || score > 10) return `${at}.complexityScore: not a score from 0 to 10`;
    const rec = e.recommendedSubtasks;
    if (rec !== undefined && !(typeof rec === 'number' && Number.isInteger(rec) && rec >= 0))
      return `${at}.recommendedSubtasks: not a whole number`;
    const ep = e.expansionPrompt;
    if (ep !== undefined && typeof ep !== 'string' && !(isObj(ep) && typeof ep.text === 'string'))
      return `${at}.expansionPrompt: not text`;
    for (const k of ['taskTitle', 'reasoning'] as const)
      if (e[k] !== undefined && typeof e[k] !== 'string') return `${at}.${k}: not text`;
  }
  return undefined;
}

/** The expansion advice of an entry as text (task-master accepts a string or `{text}`). */
export const expansionText = (e: Pick<ComplexityEntry, 'expansionPrompt'>): string =>
  typeof e.expansionPrompt === 'string' ? e.expansionPrompt : (e.expansionPrompt?.text ?? '');

/** Reads a report; undefined when there is none; a file that is not one is bad input (exit 2). */
export function readReport(path: string): ComplexityReport | undefined {
  const text = readTextFileIfExists(path);
  if (text === undefined) return undefined;
  const bad = (why: string) =>
    new StorageError('TASKS_FILE', `${path} is not a valid complexity report: ${why}`, {
      hint: 'run `task-master-local analyze-complexity` to write a new one, or move the file aside',
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(`invalid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const problem = reportProblem(raw);
  if (problem) throw bad(problem);
  return raw as ComplexityReport;
}

/** The entry of a task in a report. */
export function entryFor(report: ComplexityReport | undefined, id: number): ComplexityEntry | undefined {
  return report?.complexityAnalysis.find((e) => Number(e.taskId) === id);
}

/** Writes a report atomically (pretty-printed as task-master writes it). */
export function writeReport(path: string, report: ComplexityReport): void {
  atomicWriteFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
