import type { Command } from 'commander';
import { z } from 'zod';
import { analyzeComplexityUseCase, type AnalyzeComplexityResult } from '../src/application/analyze-complexity.js';
import { openProject } from '../src/application/project.js';
import { intFlag, MODE_HELP, modeFlag, parseFlags } from './shared/flags.js';
import { withInterrupt } from './shared/interrupt.js';
import { interactive, io, printJson } from './shared/output.js';
import { analysedLines } from './views/complexity-text.js';
import { parsePrdBar } from './views/ParsePrdBar.js';

const Options = z.object({
  id: z.string().min(1).optional(),
  from: intFlag(1).optional(),
  to: intFlag(1).optional(),
  threshold: intFlag(1, 10).default(5),
  research: z.boolean().default(false),
  output: z.string().min(1).optional(),
  file: z.string().min(1).optional(),
  tag: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only')
    .optional(),
  model: z.string().min(1).optional(),
  concurrency: intFlag(1, 64).optional(),
  batchSize: intFlag(1, 50).default(8),
  mode: modeFlag,
  cache: z.boolean().default(true),
  json: z.boolean().default(false),
});

const n = (x: number) => x.toLocaleString('en-US');

function summary(o: AnalyzeComplexityResult): string {
  const s = o.summary;
  const cached = s.cachedPromptTokens ? ` (${n(s.cachedPromptTokens)} cached)` : '';
  const models = o.heuristic ? 'none (heuristic scores)' : s.models.join(', ') || 'none';
  return `analyze-complexity: ${o.analysed.length} tasks · ${o.batches} batches · ${s.llmCalls} LLM calls · ${n(s.promptTokens)} prompt tokens${cached} + ${n(s.completionTokens)} generated · ${s.cacheHits} cache hits · ${s.durationMs} ms · models: ${models} → ${o.reportPath}`;
}

async function run(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Options, raw, 'analyze-complexity');
  const cwd = process.cwd();
  const project = openProject({
    cwd,
    env: process.env,
    flags: { ...(o.concurrency ? { concurrency: o.concurrency } : {}), ...(o.mode ? { mode: o.mode } : {}) },
  });
  const live = interactive(o.json);
  const view = live
    ? await (await import('./views/ParsePrdView.js')).startParsePrdView()
    : o.json
      ? undefined
      : await parsePrdBar('analyze-complexity', 'batches');
  try {
    const out = await withInterrupt((signal) =>
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
          ...(o.model ? { model: o.model } : {}),
          batchSize: o.batchSize,
          ...(o.cache ? {} : { noCache: true }),
        },
        { signal, onProgress: view?.onProgress, onNote: (x) => io.err(`note: ${x}`) },
      ),
    );
    await view?.stop();
    if (o.json) {
      printJson(out);
      io.err(summary(out));
      return;
    }
    for (const l of analysedLines(out.analysed)) io.out(l);
    if (out.heuristic) {
      io.err(`note: no model reachable: ${out.heuristic.reason}`);
      if (out.heuristic.hint) io.err(`hint: ${out.heuristic.hint}`);
      io.err("note: scores are heuristic (from each task's text, no model); every entry's reasoning says so");
    }
    io.out(summary(out));
  } finally {
    await view?.stop();
    project.close();
  }
}

/** Registers `analyze-complexity` with task-master's flags plus ours. */
export function register(program: Command): void {
  program
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
    .option('-m, --model <id>', 'model alias or id to use first')
    .option('--concurrency <n>', 'parallel model requests')
    .option('--batch-size <n>', 'most tasks per request (smaller when the context requires)', '8')
    .option('--mode <mode>', MODE_HELP)
    .option('--no-cache', 'ask the model again instead of using cached answers and checkpoints')
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => run(opts));
}
