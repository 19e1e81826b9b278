import type { Command } from 'commander';
import { complexityReportUseCase } from '../src/application/complexity-report.js';
import { ValidationError } from '../src/errors.js';
import { io, printJson } from './shared/output.js';
import { complexityLines } from './views/complexity-text.js';

/**
 * Its three flags are checked here by hand, worded as parseFlags words them: this command must answer
 * in a fresh process in well under 150 ms, and zod alone costs a large part of that.
 */
function flags(raw: Record<string, unknown>): { file?: string; tag?: string; json: boolean } {
  const hint = 'see `task-master-local complexity-report --help`';
  const text = (k: 'file' | 'tag') => {
    const v = raw[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !v.trim()) throw new ValidationError(`--${k}: must not be empty`, { hint });
    return v;
  };
  const tag = text('tag');
  if (tag !== undefined && !/^[\w.-]+$/.test(tag))
    throw new ValidationError('--tag: letters, digits, dot, dash and underscore only', { hint });
  const file = text('file');
  return { ...(file ? { file } : {}), ...(tag ? { tag } : {}), json: raw.json === true };
}

/** Registers `complexity-report` (task-master's flags; our renderer). Loads no database, model or zod code. */
export function register(program: Command): void {
  program
    .command('complexity-report')
    .description("display task-master's complexity report (written by analyze-complexity)")
    .option('-f, --file <file>', "report file (default: the tag's report under .taskmaster/reports/)")
    .option('--tag <tag>', 'tag whose report to show (default: state.json current tag, else master)')
    .option('--json', 'print only the report as JSON')
    .action((raw: Record<string, unknown>) => {
      const o = flags(raw);
      const r = complexityReportUseCase({ cwd: process.cwd(), ...o });
      if (o.json) printJson(r.report);
      else for (const l of complexityLines(r.report, r.path)) io.out(l);
    });
}
