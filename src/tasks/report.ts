/**
 * task-master's complexity report (reference §1, §2.7): `.taskmaster/reports/task-complexity-report.json`
 * for the master tag, `task-complexity-report_<tag>.json` for the others, in the shape its own
 * `complexity-report` and `expand` read. Light on purpose (zod and node:fs only): `complexity-report`
 * must answer in a fresh process within a few tens of milliseconds.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { StorageError } from '../errors.js';
import { atomicWriteFile, readTextFileIfExists } from '../util/fs.js';

/** Where task-master reads and writes the report of a tag. */
export function reportPath(taskmasterDir: string, tag: string): string {
  const name = tag && tag !== 'master' ? `task-complexity-report_${tag}.json` : 'task-complexity-report.json';
  return join(taskmasterDir, 'reports', name);
}

/** One task's analysis, as task-master writes it. */
export const ComplexityEntrySchema = z.looseObject({
  taskId: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  taskTitle: z.string().optional(),
  complexityScore: z.number().min(0).max(10),
  recommendedSubtasks: z.number().int().min(0).optional(),
  expansionPrompt: z.union([z.string(), z.looseObject({ text: z.string() })]).optional(),
  reasoning: z.string().optional(),
});
export type ComplexityEntry = z.infer<typeof ComplexityEntrySchema>;

export const ComplexityReportSchema = z.looseObject({
  meta: z
    .looseObject({
      generatedAt: z.string().optional(),
      tasksAnalyzed: z.number().optional(),
      totalTasks: z.number().optional(),
      analysisCount: z.number().optional(),
      thresholdScore: z.number().optional(),
      projectName: z.string().optional(),
      usedResearch: z.boolean().optional(),
    })
    .optional(),
  complexityAnalysis: z.array(ComplexityEntrySchema),
});
export type ComplexityReport = z.infer<typeof ComplexityReportSchema>;

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
  const r = ComplexityReportSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw bad(`${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
  }
  return r.data;
}

/** The entry of a task in a report. */
export function entryFor(report: ComplexityReport | undefined, id: number): ComplexityEntry | undefined {
  return report?.complexityAnalysis.find((e) => Number(e.taskId) === id);
}

/** Writes a report atomically (pretty-printed as task-master writes it). */
export function writeReport(path: string, report: ComplexityReport): void {
  atomicWriteFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
