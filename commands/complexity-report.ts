import type { Command } from 'commander';
import { z } from 'zod';
import { complexityReportUseCase } from '../src/application/complexity-report.js';
import { parseFlags } from './shared/flags.js';
import { io, printJson } from './shared/output.js';
import { complexityLines } from './views/complexity-text.js';

const Options = z.object({
  file: z.string().min(1).optional(),
  tag: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only')
    .optional(),
  json: z.boolean().default(false),
});

/** Registers `complexity-report` (task-master's flags; our renderer). Loads no database or model code. */
export function register(program: Command): void {
  program
    .command('complexity-report')
    .description("display task-master's complexity report (written by analyze-complexity)")
    .option('-f, --file <file>', "report file (default: the tag's report under .taskmaster/reports/)")
    .option('--tag <tag>', 'tag whose report to show (default: state.json current tag, else master)')
    .option('--json', 'print only the report as JSON')
    .action((raw: Record<string, unknown>) => {
      const o = parseFlags(Options, raw, 'complexity-report');
      const r = complexityReportUseCase({
        cwd: process.cwd(),
        ...(o.file ? { file: o.file } : {}),
        ...(o.tag ? { tag: o.tag } : {}),
      });
      if (o.json) printJson(r.report);
      else for (const l of complexityLines(r.report, r.path)) io.out(l);
    });
}
