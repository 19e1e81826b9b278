/** research "<question>": one cited answer with a confidence, optionally saved to a task or a file. */
import { randomUUID } from 'node:crypto';
import { abortedError, isAbortError } from '../errors.js';
import { answerMarkdown, saveResearchFile } from '../research/report.js';
import type { ResearchAnswer } from '../research/rag-system.js';
import { appendToTaskDetails } from '../research/tasks.js';
import { recordResearchRunSafely } from './learning.js';
import { openResearch } from './open-research.js';
import type { Project } from './project.js';
import { researchContext } from './research-context.js';
import type { RunControls } from './run-controls.js';

/** The question and its context; where to save the answer. */
export interface ResearchAskOptions {
  question: string;
  /** Extra context given to the model with the passages. */
  context?: string;
  /** Tasks (e.g. `3,4.1`) whose title, description and details join the context. */
  taskIds?: string;
  /** Passages to retrieve (default 6). */
  k?: number;
  source?: string;
  /** Ask the model to check its answer (default on); the confidence then includes it. */
  selfCheck?: boolean;
  offline?: boolean;
  /** Append the answer to this task's details in tasks.json. */
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
  const context = researchContext(project, o);
  const k = o.k ?? 6;
  let answer: ResearchAnswer;
  try {
    answer = await rag.researchQuery(o.question, {
      k,
      ...(o.source ? { source: o.source } : {}),
      ...(context ? { context } : {}),
      ...(o.selfCheck !== undefined ? { selfCheck: o.selfCheck } : {}),
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
  if (o.saveTo) appendToTaskDetails(project.paths, o.saveTo, answerMarkdown(answer, now).replace(/^# /, '## '));
  return { answer, ...(savedFile ? { savedFile } : {}), ...(o.saveTo ? { savedTo: o.saveTo } : {}) };
}
