/**
 * The one call commands make when a run ends: record it as an experience. Learning is a side
 * effect and must never cost the user a result, so every failure becomes a note to print.
 */
import type { Project } from '../context.js';
import { LearningRepo } from '../storage/learning-repo.js';
import { MetaLearningEngine, withOutcomes } from './engine.js';
import { domainWords, estimateComplexity } from './features.js';
import { schemaTotals } from './recorder.js';
import type { WrittenTasks } from './types.js';

/** Where a parse-prd run wrote its tasks: ids and subtask counts, for later feedback. */
export function writtenTasks(
  tasksPath: string,
  tag: string,
  tasks: readonly { id: number | string; subtasks?: readonly unknown[] }[],
): WrittenTasks {
  return { tasksPath, tag, subtasks: Object.fromEntries(tasks.map((t) => [String(t.id), t.subtasks?.length ?? 0])) };
}

/** Records a parse-prd run (finished or failed; interrupted runs are skipped); returns a note when something went wrong. */
export async function recordPrdRunSafely(
  project: Project,
  runId: string,
  prdText: string,
  written?: WrittenTasks,
): Promise<string | undefined> {
  try {
    const r = await MetaLearningEngine.forProject(project).recordPrdRun(runId, prdText, written, project.attempts);
    project.attempts.reset();
    return r.note;
  } catch (e) {
    return `experience not recorded: ${(e as Error).message}`;
  }
}

/** The parts of a research answer learning reads (see ResearchAnswer). */
export interface ResearchRunFacts {
  question: string;
  passages: readonly unknown[];
  model: string | null;
  extractive: boolean;
  confidence: number;
  invalidCitations: readonly unknown[];
  usage: { calls: number; promptTokens: number; completionTokens: number };
  durationMs: number;
  embedder: { model: string };
}

/**
 * Records one research question as an experience (its calls are found by the project's run id);
 * `onNote` gets a line when something went wrong.
 */
export async function recordResearchRunSafely(
  project: Project,
  f: ResearchRunFacts,
  o: { k: number; selfCheck: boolean; offline?: boolean },
  onNote: (n: string) => void,
): Promise<void> {
  try {
    const repo = new LearningRepo(project.db());
    const stats = withOutcomes(project.runId ? repo.runModelStats(project.runId) : [], project.attempts);
    project.attempts.reset();
    const schema = schemaTotals(stats);
    const words = f.question.split(/\s+/).filter(Boolean).length;
    // --offline promises no model calls: the context is then embedded offline only.
    const r = await MetaLearningEngine.forProject(project, { useModel: !o.offline }).record({
      taskType: 'research',
      source: 'research',
      ...(project.runId ? { runId: project.runId } : {}),
      context: {
        query: f.question,
        words,
        domainWords: domainWords(f.question),
        estimatedComplexity: estimateComplexity(words, 1),
      },
      action: {
        model: f.model ?? 'extractive',
        models: stats.map((s) => s.model),
        strategy: `${f.extractive ? 'extractive' : 'synthesis'}-k${o.k}${o.selfCheck ? '-selfcheck' : ''}`,
        settings: { k: o.k, selfCheck: o.selfCheck, embedder: f.embedder.model },
      },
      outcome: {
        // an answer counts when it found sources, cited them correctly and is reasonably confident
        success: f.passages.length > 0 && f.invalidCitations.length === 0 && f.confidence >= 0.5,
        schemaValid: schema.invalid === 0,
        ...(schema.rate !== undefined ? { schemaValidRate: schema.rate } : {}),
        tokens: f.usage.promptTokens + f.usage.completionTokens,
        latencyMs: f.durationMs,
        calls: f.usage.calls,
      },
      modelStats: stats,
    });
    if (r.note) onNote(r.note);
  } catch (e) {
    onNote(`experience not recorded: ${(e as Error).message}`);
  }
}
