/**
 * expand, the one assembly of a run: which tasks (task-master's rules: --id, or --all = pending tasks
 * without subtasks, or all with --force), how many subtasks each (-n, else the complexity report's
 * recommendation, else config's global.defaultSubtasks), the guidance (the prompt, the report's
 * expansion advice, with --research the knowledge base), the run on parse-prd's core, and one write
 * of every task's new subtasks under task-master's lock. Bad input is refused before the run starts.
 */
import { existsSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import { writtenTasks } from '../learning/record-run.js';
import type { PrdEvent } from '../prd/events.js';
import { toTaskMasterSubtasks, type TmSubtask } from '../prd/map.js';
import type { DepFix } from '../prd/plan.js';
import { RunStats } from '../prd/stats.js';
import { expandTasks, type ExpandOutcome } from '../tasks/expand.js';
import { reportPath, readReport } from '../tasks/report.js';
import { editTag, findTask, nextSubtaskId, subtasksOf } from '../tasks/store.js';
import { STRUCTURAL_SUBTASK_LABEL } from '../tasks/structural.js';
import { expandTargets } from '../tasks/targets.js';
import type { Project } from './project.js';
import { researchBackground } from './research-background.js';
import type { RunControls } from './run-controls.js';
import { runTaskJob, taskEngineDeps, taskJobFigures, taskJobTag } from './task-job.js';

/** task-master's expand flags plus ours; everything optional except --id or --all. */
export interface ExpandOptions {
  /** Task id as typed (`3`); a subtask id is refused. */
  id?: string;
  /** Exactly these tasks (what `recover --run` resumes with). */
  ids?: number[];
  all?: boolean;
  /** Subtasks per task; 0 = the model decides. */
  num?: number;
  research?: boolean;
  prompt?: string;
  /** Replace existing subtasks (and with --all, expand tasks that have some). */
  force?: boolean;
  tag?: string;
  /** Complexity report to read (default: the tag's report under .taskmaster/reports/). */
  complexityReport?: string;
  /** Levels below the task (default 1, as task-master). */
  maxDepth?: number;
  concurrency?: number;
  model?: string;
  noCache?: boolean;
  resume?: boolean;
  requireModel?: boolean;
  /** tasks.json (default .taskmaster/tasks/tasks.json). */
  tasksPath?: string;
  /** Where relative paths start (the CLI passes the shell's directory). */
  cwd?: string;
  /** false: expand a subtask only once its parent's whole answer is in. */
  pipelined?: boolean;
}

/** One expanded task: its new subtasks as written. */
export interface ExpandedTaskResult {
  id: number;
  title: string;
  subtasks: TmSubtask[];
  /** Subtasks --force replaced. */
  replaced: number;
}

export interface ExpandResult {
  runId: string;
  tag: string;
  tasksPath: string;
  /** The complexity report read, when one exists. */
  report?: string;
  expanded: ExpandedTaskResult[];
  skipped: { id: number; reason: string }[];
  structural?: ExpandOutcome['structural'];
  fixes: DepFix[];
  summary: { tasks: number; subtasks: number } & ReturnType<typeof taskJobFigures>;
}

/** Breaks tasks into subtasks with the local models and writes them once into tasks.json. */
export async function expandUseCase(
  project: Project,
  o: ExpandOptions,
  run: RunControls<PrdEvent> = {},
): Promise<ExpandResult> {
  const t0 = performance.now();
  const { abs, tasksPath, tag, loaded } = taskJobTag(project, o);
  const repPath = o.complexityReport ? abs(o.complexityReport) : reportPath(project.paths.taskmasterDir, tag);
  if (o.complexityReport && !existsSync(repPath))
    throw new ValidationError(`complexity report ${repPath} does not exist`, {
      hint: "write it with `task-master-local analyze-complexity`, or leave out --complexity-report to use the tag's report if any",
    });
  const report = readReport(repPath);
  const global = (project.config.raw.global ?? {}) as { defaultSubtasks?: unknown };
  const defaultSubtasks = Number.isInteger(global.defaultSubtasks) ? Number(global.defaultSubtasks) : 5;
  const force = o.force ?? false;
  const { targets, skipped } = expandTargets(loaded, { ...o, force, report, defaultSubtasks });
  const research = o.research ?? false;
  const maxDepth = o.maxDepth ?? 1;
  const noCache = o.noCache ?? !project.config.local.cache;
  const options = {
    maxDepth,
    concurrency: o.concurrency ?? project.config.local.concurrency,
    noCache,
    resume: o.resume ?? false,
    research,
    ...(o.model ? { model: o.model } : {}),
    requireModel: o.requireModel ?? false,
    complexityThreshold: 5,
    ...(o.pipelined === false ? { pipelined: false } : {}),
  };
  const identity = {
    tasksPath,
    tag,
    ids: targets.map((t) => t.id),
    num: o.num,
    prompt: o.prompt,
    force,
    maxDepth,
    research,
    model: o.model,
  };
  const input = {
    ...identity,
    ...(o.complexityReport ? { complexityReport: repPath } : {}),
    noCache,
    concurrency: o.concurrency,
  };
  if (!targets.length)
    return {
      runId: '',
      tag,
      tasksPath,
      ...(report ? { report: repPath } : {}),
      expanded: [],
      skipped,
      fixes: [],
      summary: {
        llmCalls: 0,
        promptTokens: 0,
        cachedPromptTokens: 0,
        completionTokens: 0,
        cacheHits: 0,
        tasks: 0,
        subtasks: 0,
        resumedNodes: 0,
        reasks: 0,
        fallbacks: 0,
        models: [],
        durationMs: Math.round(performance.now() - t0),
      },
    };
  let stats: RunStats | undefined;
  let out: ExpandOutcome | undefined;
  let expanded: ExpandedTaskResult[] = [];
  const runId = await runTaskJob<string, PrdEvent>(
    project,
    {
      job: 'expand',
      identity,
      input,
      resumed: options.resume,
      report: () => ({
        input: targets.map((t) => `${String(t.task.title)}\n${String(t.task.details ?? '')}`).join('\n\n'),
        tasks: targets.length,
        research,
        strategy: out?.structural ? 'structural' : `depth${maxDepth}`,
        promptIds: [...(stats?.promptIds ?? [])],
        settings: { num: o.num, maxDepth, concurrency: options.concurrency, force, noCache },
        withoutModel: !!out?.structural,
        ...(expanded.length
          ? {
              written: writtenTasks(
                tasksPath,
                tag,
                expanded.map((e) => ({ id: e.id, subtasks: e.subtasks })),
              ),
            }
          : {}),
      }),
    },
    run,
    async (scoped, id) => {
      stats = new RunStats(id);
      if (research && targets.length) await researchBackground(scoped, targets, run.signal);
      out = await expandTasks(loaded, targets, options, taskEngineDeps(scoped, stats, run));
      const results = out.results.filter((r) => r.children.length);
      const label = out.structural ? STRUCTURAL_SUBTASK_LABEL : undefined;
      if (results.length)
        expanded = editTag(tasksPath, tag, (tasks) =>
          results.map((r) => {
            const task = findTask({ tasks, tag, path: tasksPath }, r.id);
            const old = subtasksOf(task);
            const firstId = force ? 1 : nextSubtaskId(task);
            const subtasks = toTaskMasterSubtasks(r.children, { firstId, ...(label ? { label } : {}) });
            task.subtasks = force ? subtasks : [...old, ...subtasks];
            return { id: r.id, title: String(task.title), subtasks, replaced: force ? old.length : 0 };
          }),
        );
      for (const r of out.results.filter((x) => !x.children.length))
        skipped.push({ id: r.id, reason: 'no list or steps in its details to split without a model' });
      return id;
    },
  );
  return {
    runId,
    tag,
    tasksPath,
    ...(report ? { report: repPath } : {}),
    expanded,
    skipped,
    ...(out?.structural ? { structural: out.structural } : {}),
    fixes: out?.fixes ?? [],
    summary: {
      tasks: expanded.length,
      subtasks: expanded.reduce((n, e) => n + e.subtasks.length, 0),
      ...taskJobFigures(stats!, t0),
    },
  };
}
