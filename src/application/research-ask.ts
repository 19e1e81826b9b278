/** research "<question>": one cited answer with a confidence, optionally saved to a task or a file. */
import { randomUUID } from 'node:crypto';
import { abortedError, isAbortError } from '../errors.js';
import { answerMarkdown, saveResearchFile } from '../research/report.js';
import type { ResearchAnswer } from '../research/rag-system.js';
import { appendToTaskDetails, assertTasksExist, parseTaskIds } from '../research/tasks.js';
import type { DetailLevel } from '../research/types.js';
import { recordResearchRunSafely } from './learning.js';
import { openResearch } from './open-research.js';
import type { Project } from './project.js';
import { researchContext, type ResearchContextOptions } from './research-context.js';
import type { RunControls } from './run-controls.js';

/** The question and its context; where to save the answer. */
export interface ResearchAskOptions extends ResearchContextOptions {
  question: string;
  /** Answer length (task-master's `--detail`; default medium). */
  detail?: DetailLevel;
  /** Passages to retrieve (default 6). */
  k?: number;
  source?: string;
  /** Ask the model to check its answer (default on); the confidence then includes it. */
  selfCheck?: boolean;
  offline?: boolean;
  /** Append the answer to the details of these tasks/subtasks (`15` or `15,16.2`) in tasks.json. */
  saveTo?: string;
  /** Also write .taskmaster/docs/research/YYYY-MM-DD_<slug>.md. */
  saveFile?: boolean;
  /** Date of the saved answer (tests). */
  now?: Date;
}

/** The answer and where it was saved. */
export interface ResearchAskResult {
  answer: ResearchAnswer;
  savedFile?: string;
  savedTo?: string;
}

/**
 * Retrieves, answers with checked citations, records the question as an experience for `improve`,
 * then saves it where asked. Interrupted, nothing is saved or recorded.
 */
export async function researchAskUseCase(
  project: Project,
  o: ResearchAskOptions,
  run: RunControls = {},
): Promise<ResearchAskResult> {
  // The question's model calls carry one run id, so its experience reads exactly those calls.
  const scoped = project.forRun(randomUUID());
  const rag = openResearch(scoped, o.offline ? { offline: true } : {});
  // Every destination is checked before the model is asked, so a typo costs no model call.
  const saveIds = o.saveTo ? parseTaskIds(o.saveTo) : [];
  if (saveIds.length) assertTasksExist(project.paths, saveIds);
  const context = researchContext(project, o);
  const k = o.k ?? 6;
  let answer: ResearchAnswer;
  try {
    answer = await rag.researchQuery(o.question, {
      k,
      ...(o.source ? { source: o.source } : {}),
      ...(context ? { context } : {}),
      ...(o.selfCheck !== undefined ? { selfCheck: o.selfCheck } : {}),
      ...(o.detail ? { detail: o.detail } : {}),
      ...(run.signal ? { signal: run.signal } : {}),
    });
  } catch (e) {
    if (!isAbortError(e) && !run.signal?.aborted) throw e;
    throw abortedError(run.signal, 'research interrupted; nothing was saved', 'ask again');
  }
  const note = await recordResearchRunSafely(scoped, answer, {
    k,
    selfCheck: o.selfCheck !== false,
    offline: !!o.offline,
  });
  if (note) run.onNote?.(note);
  const now = o.now ?? new Date();
  const savedFile = o.saveFile ? saveResearchFile(project.paths.research, answer, now) : undefined;
  if (saveIds.length) appendToTaskDetails(project.paths, saveIds, answerMarkdown(answer, now).replace(/^# /, '## '));
  return { answer, ...(savedFile ? { savedFile } : {}), ...(o.saveTo ? { savedTo: o.saveTo } : {}) };
}
