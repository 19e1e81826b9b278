/**
 * complexity-report: reads the tag's report (or --file) for display. Kept light for a fast cold
 * start: no database, no model API, no project composition; only the project root, state.json's
 * current tag and the report file.
 */
import { isAbsolute, resolve } from 'node:path';
import { findProjectRoot, projectPaths } from '../config/paths.js';
import { AppError } from '../errors.js';
import { readReport, reportPath, type ComplexityReport } from '../tasks/report.js';
import { currentTag } from '../taskmaster/state.js';

export interface ComplexityReportOptions {
  /** The shell's directory (the project is its nearest ancestor with .taskmaster/). */
  cwd: string;
  /** Report file; relative to cwd. */
  file?: string;
  tag?: string;
}

export interface ComplexityReportResult {
  path: string;
  tag: string;
  report: ComplexityReport;
}

/** The report to display; a missing one is bad input with the command that writes it. */
export function complexityReportUseCase(o: ComplexityReportOptions): ComplexityReportResult {
  const paths = projectPaths(findProjectRoot(o.cwd));
  const tag = o.tag ?? currentTag(paths.state);
  const path = o.file ? (isAbsolute(o.file) ? o.file : resolve(o.cwd, o.file)) : reportPath(paths.taskmasterDir, tag);
  const report = readReport(path);
  if (!report)
    throw new AppError('NOT_FOUND', `no complexity report at ${path}`, {
      hint: `write one with \`task-master-local analyze-complexity${o.tag ? ` --tag ${o.tag}` : ''}\``,
    });
  return { path, tag, report };
}
