/**
 * `recover --run` resumes the runs that failed through the same use cases the CLI runs them with,
 * from the input recorded when they failed (see trackRun). A resumed run requires a model: a plan
 * made without one would not replay the calls that failed.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { RunResumer } from '../recovery/recover-run.js';
import type { InterruptedRun } from '../recovery/types.js';
import { analyzeComplexityUseCase } from './analyze-complexity.js';
import { expandUseCase } from './expand.js';
import { parsePrdUseCase } from './parse-prd.js';
import { researchLoopUseCase } from './research-loop.js';
import { TASK_EDIT_RESUMERS } from './resume-task-edits.js';
import { resumer, type Resumer } from './resumer.js';
import { researchSessionsUseCase } from './research-sessions.js';
import type { Project } from './project.js';

// The input parsePrdUseCase recorded (validated: the row may come from another version of the tool).
const ParsePrdInput = z.object({
  prd: z.string(),
  prdPath: z.string(),
  tasksPath: z.string(),
  tag: z.string(),
  writeMode: z.enum(['create', 'force', 'append']),
  dryRun: z.boolean(),
  numTasks: z.number().int(),
  maxDepth: z.number().int(),
  complexityThreshold: z.number().int(),
  model: z.string().optional(),
  concurrency: z.number().int().optional(),
  noCache: z.boolean().optional(),
});

// What researchLoopUseCase recorded: the loop's options and the session it saved, if any.
const ResearchLoopInput = z.object({
  topic: z.string().min(1),
  session: z.string().optional(),
  iterations: z.number().int().optional(),
  context: z.string().optional(),
  taskIds: z.string().optional(),
  offline: z.boolean().optional(),
  minGain: z.number().optional(),
  perIteration: z.number().int().optional(),
});

// What expandUseCase and analyzeComplexityUseCase recorded.
const ExpandInput = z.object({
  tasksPath: z.string(),
  tag: z.string(),
  ids: z.array(z.number().int()).min(1),
  num: z.number().int().optional(),
  prompt: z.string().optional(),
  force: z.boolean(),
  maxDepth: z.number().int(),
  research: z.boolean(),
  model: z.string().optional(),
  complexityReport: z.string().optional(),
  noCache: z.boolean().optional(),
  concurrency: z.number().int().optional(),
});
const AnalyzeInput = z.object({
  tasksPath: z.string(),
  tag: z.string(),
  ids: z.array(z.number().int()).min(1),
  research: z.boolean(),
  output: z.string(),
  model: z.string().optional(),
  threshold: z.number(),
  noCache: z.boolean().optional(),
  batchSize: z.number().int().optional(),
});

function unreadable(run: InterruptedRun, why: string): ValidationError {
  return new ValidationError(`run #${run.id} (${run.job}) cannot be resumed: ${why}`, {
    hint: `run ${run.job} again yourself, then \`task-master-local recover --resolve <id>\` its failures`,
  });
}

/** How each job is resumed: the same use case as the CLI, from the input it recorded, with a model required. */
const RESUMERS: Record<string, Resumer> = {
  'parse-prd': resumer(ParsePrdInput, async (project, i, ctl) => {
    const out = await parsePrdUseCase(project, { ...i, resume: true, requireModel: true }, ctl);
    const s = out.summary;
    return {
      runId: out.runId,
      detail: `parse-prd resumed as run ${out.runId}: ${s.resumedNodes} answer(s) from the checkpoint, ${s.llmCalls} new call(s), ${out.tasks.length} task(s) ${out.written ? `written to ${out.tasksPath} [${out.tag}]` : 'planned (dry run)'}`,
    };
  }),
  'research-loop': resumer(ResearchLoopInput, async (project, { session, topic, iterations, ...rest }, ctl) => {
    // From the session's last finished iteration when it saved one; else the topic from the start.
    const saved = session && researchSessionsUseCase(project).some((s) => s.id === session && s.status !== 'done');
    const out = await researchLoopUseCase(
      project,
      saved ? { ...rest, resume: session } : { ...rest, topic, ...(iterations !== undefined ? { iterations } : {}) },
      ctl,
    );
    return {
      runId: out.sessionId,
      detail: `research loop ${saved ? `resumed from session ${session}` : 'run again'}: ${out.iterations} iteration(s), confidence ${out.confidence.toFixed(2)}, answered by ${out.models.join(', ') || 'no model'}`,
    };
  }),
  expand: resumer(ExpandInput, async (project, i, ctl) => {
    const out = await expandUseCase(project, { ...i, resume: true, requireModel: true }, ctl);
    const s = out.summary;
    return {
      runId: out.runId,
      detail: `expand resumed as run ${out.runId}: ${s.resumedNodes} answer(s) from the checkpoint, ${s.llmCalls} new call(s), ${s.subtasks} subtask(s) for ${s.tasks} task(s) written to ${out.tasksPath} [${out.tag}]`,
    };
  }),
  'analyze-complexity': resumer(AnalyzeInput, async (project, { ids, ...rest }, ctl) => {
    const out = await analyzeComplexityUseCase(
      project,
      { ...rest, ids: ids.join(','), resume: true, requireModel: true },
      ctl,
    );
    return {
      runId: out.runId,
      detail: `analyze-complexity resumed as run ${out.runId}: ${out.summary.resumedNodes} batch(es) from the checkpoint, ${out.summary.llmCalls} new call(s), report ${out.reportPath}`,
    };
  }),
  ...TASK_EDIT_RESUMERS,
};

/** Resumes interrupted runs of this project; the use case's trackRun records how it ended. */
export function runResumer(project: Project): RunResumer {
  return async (run, signal) => {
    const r = Object.hasOwn(RESUMERS, run.job) ? RESUMERS[run.job] : undefined;
    if (!r) throw unreadable(run, `this version cannot resume '${run.job}' runs`);
    const i = r.input.safeParse(run.input);
    if (!i.success) throw unreadable(run, `its recorded input is not valid (${i.error.issues[0]?.message})`);
    return r.resume(project, i.data, signal);
  };
}
