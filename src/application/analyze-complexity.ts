/**
 * analyze-complexity, the one assembly of a run: which tasks (--id, or the unfinished ones within
 * --from/--to), the batches on parse-prd's core, and task-master's report written atomically where
 * its own `complexity-report` and `expand` read it (`_<tag>` for tags other than master). Entries of
 * tasks not analysed this time are kept from the existing report, as task-master does.
 */
import { ValidationError } from '../errors.js';
import type { PrdEvent } from '../prd/events.js';
import { RunStats } from '../prd/stats.js';
import { analyzeTasks, type AnalyzeOutcome } from '../tasks/analyze.js';
import type { Guidance } from '../tasks/prompts.js';
import { readReport, reportPath, writeReport, type ComplexityEntry, type ComplexityReport } from '../tasks/report.js';
import { analyzeTargets } from '../tasks/targets.js';
import type { Project } from './project.js';
import { researchBackground } from './research-background.js';
import type { RunControls } from './run-controls.js';
import { runTaskJob, taskEngineDeps, taskJobFigures, taskJobTag } from './task-job.js';

export interface AnalyzeComplexityOptions {
  /** Comma list of task ids (`-i 3,5`); subtask ids are refused. */
  ids?: string;
  from?: number;
  to?: number;
  /** Score from which a task is recommended for expansion (default 5). */
  threshold?: number;
  research?: boolean;
  /** Report file (default .taskmaster/reports/task-complexity-report[_<tag>].json). */
  output?: string;
  tag?: string;
  tasksPath?: string;
  model?: string;
  concurrency?: number;
  noCache?: boolean;
  resume?: boolean;
  requireModel?: boolean;
  /** Most tasks per request (default 8). */
  batchSize?: number;
  cwd?: string;
}

export interface AnalyzeComplexityResult {
  runId: string;
  tag: string;
  reportPath: string;
  report: ComplexityReport;
  /** The entries of this run, in task order. */
  analysed: ComplexityEntry[];
  batches: number;
  heuristic?: AnalyzeOutcome['heuristic'];
  summary: ReturnType<typeof taskJobFigures>;
}

/** Scores tasks with the local models and writes task-master's complexity report. */
export async function analyzeComplexityUseCase(
  project: Project,
  o: AnalyzeComplexityOptions = {},
  run: RunControls<PrdEvent> = {},
): Promise<AnalyzeComplexityResult> {
  const t0 = performance.now();
  const { abs, tasksPath, tag, loaded } = taskJobTag(project, o);
  const targets = analyzeTargets(loaded, o);
  const out = o.output ? abs(o.output) : reportPath(project.paths.taskmasterDir, tag);
  // A corrupt report is refused before any model time is spent on entries it would be merged with.
  const previous = readReport(out);
  const research = o.research ?? false;
  const threshold = o.threshold ?? 5;
  const options = {
    concurrency: o.concurrency ?? project.config.local.concurrency,
    noCache: o.noCache ?? !project.config.local.cache,
    resume: o.resume ?? false,
    research,
    ...(o.model ? { model: o.model } : {}),
    requireModel: o.requireModel ?? false,
    batchSize: o.batchSize ?? 8,
  };
  const identity = { tasksPath, tag, ids: targets.map((t) => Number(t.id)), research, output: out, model: o.model };
  const global = (project.config.raw.global ?? {}) as { projectName?: unknown };
  if (!targets.length)
    throw new ValidationError(`no unfinished task to analyse in tag "${tag}" of ${tasksPath}`, {
      hint: 'name tasks with --id <ids> (done ones too), or widen --from/--to',
    });
  let stats: RunStats | undefined;
  let result: AnalyzeOutcome | undefined;
  let analysed: ComplexityEntry[] = [];
  let report: ComplexityReport | undefined;
  const runId = await runTaskJob<string, PrdEvent>(
    project,
    {
      job: 'analyze-complexity',
      identity,
      input: { ...identity, threshold, noCache: options.noCache, batchSize: options.batchSize },
      resumed: options.resume,
      report: () => ({
        input: targets.map((t) => `${String(t.title)}\n${String(t.details ?? '')}`).join('\n\n'),
        tasks: targets.length,
        research,
        strategy: result?.heuristic ? 'heuristic' : `batch${options.batchSize}`,
        promptIds: [...(stats?.promptIds ?? [])],
        settings: { batchSize: options.batchSize, concurrency: options.concurrency, noCache: options.noCache },
        withoutModel: !!result?.heuristic,
      }),
    },
    run,
    async (scoped, id) => {
      stats = new RunStats(id);
      const guidance: Guidance[] = [];
      if (research && targets.length) {
        // One search for the whole set: the background joins every batch after the shared block.
        const probe = [
          { id: 0, task: { title: targets.map((t) => t.title).join(' ') }, count: 0, guidance, complexity: 5 },
        ];
        await researchBackground(scoped, probe, run.signal);
      }
      result = await analyzeTasks(loaded, targets, { ...options, guidance }, taskEngineDeps(scoped, stats, run));
      analysed = result.entries;
      const now = new Set(analysed.map((e) => Number(e.taskId)));
      const still = new Set(loaded.tasks.map((t) => Number(t.id)));
      const kept = (previous?.complexityAnalysis ?? []).filter(
        (e) => !now.has(Number(e.taskId)) && still.has(Number(e.taskId)),
      );
      const entries = [...kept, ...analysed].sort((a, b) => Number(a.taskId) - Number(b.taskId));
      report = {
        meta: {
          generatedAt: new Date().toISOString(),
          tasksAnalyzed: analysed.length,
          totalTasks: loaded.tasks.length,
          analysisCount: entries.length,
          thresholdScore: threshold,
          projectName: typeof global.projectName === 'string' ? global.projectName : 'Task Master',
          usedResearch: research,
          ...(result.heuristic ? { scoredBy: 'heuristic (no model reachable)' } : {}),
        },
        complexityAnalysis: entries,
      };
      writeReport(out, report);
      return id;
    },
  );
  return {
    runId,
    tag,
    reportPath: out,
    report: report!,
    analysed,
    batches: result!.batches,
    ...(result!.heuristic ? { heuristic: result!.heuristic } : {}),
    summary: taskJobFigures(stats!, t0),
  };
}
