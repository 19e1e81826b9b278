import type { Command } from 'commander';
import { z } from 'zod';
import { analyzeComplexityUseCase, type AnalyzeComplexityResult } from '../src/application/analyze-complexity.js';
import { intFlag, parseFlags } from './shared/flags.js';
import {
  PlanFlags,
  planCommandOptions,
  planOptions,
  planOutputOptions,
  runPlanCommand,
  tagFlag,
} from './shared/plan-command.js';
import { analysedLines } from './views/complexity-text.js';
import { tokensPart, withoutModelNotes } from '../src/prd/summary.js';

const Options = z.object({
  id: z.string().min(1).optional(),
  from: intFlag(1).optional(),
  to: intFlag(1).optional(),
  threshold: intFlag(1, 10).default(5),
  research: z.boolean().default(false),
  output: z.string().min(1).optional(),
  file: z.string().min(1).optional(),
  tag: tagFlag,
  batchSize: intFlag(1, 50).default(8),
  ...PlanFlags,
});

function summary(o: AnalyzeComplexityResult): string {
  const s = o.summary;
  const models = o.heuristic ? 'none (heuristic scores)' : s.models.join(', ') || 'none';
  return `analyze-complexity: ${o.analysed.length} tasks · ${o.batches} batches · ${s.llmCalls} LLM calls · ${tokensPart(s)} · ${s.cacheHits} cache hits · ${s.durationMs} ms · models: ${models} → ${o.reportPath}`;
}

function notices(o: AnalyzeComplexityResult): string[] {
  if (!o.heuristic) return [];
  return withoutModelNotes(
    o.heuristic,
    "scores are heuristic (from each task's text, no model); every entry's reasoning says so",
  );
}

async function run(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Options, raw, 'analyze-complexity');
  await runPlanCommand(
    o,
    {
      bar: { label: 'analyze-complexity', unit: 'batches' },
      // The live view shows batches, not scores: the entries are printed either way.
      lines: (r) => analysedLines(r.analysed),
      notices,
      summary,
    },
    (project, run, cwd) =>
      analyzeComplexityUseCase(
        project,
        {
          cwd,
          ...(o.id ? { ids: o.id } : {}),
          ...(o.from !== undefined ? { from: o.from } : {}),
          ...(o.to !== undefined ? { to: o.to } : {}),
          threshold: o.threshold,
          research: o.research,
          ...(o.output ? { output: o.output } : {}),
          ...(o.file ? { tasksPath: o.file } : {}),
          ...(o.tag ? { tag: o.tag } : {}),
          batchSize: o.batchSize,
          ...planOptions(o),
        },
        run,
      ),
  );
}

/** Registers `analyze-complexity` with task-master's flags plus ours. */
export function register(program: Command): void {
  const c = program
    .command('analyze-complexity')
    .description("score tasks' complexity with local models into task-master's complexity report")
    .option('-i, --id <ids>', 'comma-separated task ids to analyse (default: every unfinished task)')
    .option('--from <id>', 'first task id to analyse')
    .option('--to <id>', 'last task id to analyse')
    .option('-t, --threshold <n>', 'score from which tasks are recommended for expansion (1-10)', '5')
    .option('-r, --research', 'use the research role and the local knowledge base as context')
    .option('-o, --output <file>', "report file (default: the tag's report under .taskmaster/reports/)")
    .option('-f, --file <file>', 'tasks file (default .taskmaster/tasks/tasks.json)')
    .option('--tag <tag>', 'tag to analyse (default: state.json current tag, else master)')
    .option('--batch-size <n>', 'most tasks per request (smaller when the context requires)', '8');
  planOutputOptions(planCommandOptions(c, '-m, --model <id>')).action(async (opts: Record<string, unknown>) =>
    run(opts),
  );
}
