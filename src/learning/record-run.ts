/**
 * What a finished run becomes as an experience, built from plain facts (the application layer
 * gathers them and stores the result through MetaLearningEngine).
 */
import { domainWords, estimateComplexity } from './features.js';
import { schemaTotals } from './recorder.js';
import type { LearningExperience, ModelCallStats, WrittenTasks } from './types.js';

/** Where a parse-prd run wrote its tasks: ids and subtask counts, for later feedback. */
export function writtenTasks(
  tasksPath: string,
  tag: string,
  tasks: readonly { id: number | string; subtasks?: readonly unknown[] }[],
): WrittenTasks {
  return { tasksPath, tag, subtasks: Object.fromEntries(tasks.map((t) => [String(t.id), t.subtasks?.length ?? 0])) };
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

/** One research question as an experience, from the answer and the per-model stats of its calls. */
export function researchExperience(
  f: ResearchRunFacts,
  o: { k: number; selfCheck: boolean; runId?: string },
  stats: ModelCallStats[],
): LearningExperience {
  const schema = schemaTotals(stats);
  const words = f.question.split(/\s+/).filter(Boolean).length;
  return {
    taskType: 'research',
    source: 'research',
    ...(o.runId ? { runId: o.runId } : {}),
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
  };
}
