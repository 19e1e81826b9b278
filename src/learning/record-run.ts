/**
 * What a finished run becomes as an experience, built from plain facts (the application layer
 * gathers them and stores the result through MetaLearningEngine).
 */
import { domainWords, estimateComplexity } from './features.js';
import { schemaTotals } from './recorder.js';
import type { LearningExperience, ModelCallStats, TaskJob, WrittenTasks } from './types.js';

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

/** What a task command's run (expand, analyze-complexity, update…) did, for its experience. */
export interface TaskJobFacts {
  job: TaskJob;
  /** The text the run worked on (the tasks' titles and details), for the context features. */
  input: string;
  /** Tasks the run worked on. */
  tasks: number;
  /** The run used the research role. */
  research: boolean;
  /** Strategy label (e.g. `depth1`, `batch8`, `structural`, `heuristic`). */
  strategy: string;
  promptIds: string[];
  settings: Record<string, unknown>;
  /** Finished with model answers (false: failed, or produced without a model). */
  success: boolean;
  durationMs: number;
  errorCode?: string;
  runId: string;
  written?: WrittenTasks;
}

/** A task command's run as an experience, from its facts and the per-model stats of its calls. */
export function taskJobExperience(f: TaskJobFacts, stats: ModelCallStats[]): LearningExperience {
  const schema = schemaTotals(stats);
  const words = f.input.split(/\s+/).filter(Boolean).length;
  const primary = [...stats].sort((a, b) => b.ok - a.ok || b.calls - a.calls)[0]?.model;
  return {
    taskType: f.research ? 'research' : 'other',
    source: f.job,
    runId: f.runId,
    context: {
      prdBytes: Buffer.byteLength(f.input),
      sections: f.tasks,
      words,
      domainWords: domainWords(f.input),
      estimatedComplexity: estimateComplexity(words, f.tasks),
    },
    action: {
      ...(primary ? { model: primary } : {}),
      models: stats.map((m) => m.model),
      promptIds: f.promptIds,
      strategy: `${f.job}-${f.strategy}`,
      settings: f.settings,
    },
    outcome: {
      success: f.success,
      schemaValid: schema.invalid === 0,
      ...(schema.rate !== undefined ? { schemaValidRate: schema.rate } : {}),
      tokens: stats.reduce((s, m) => s + m.tokens, 0),
      latencyMs: f.durationMs,
      calls: stats.reduce((s, m) => s + m.calls, 0),
      ...(f.errorCode ? { errorCode: f.errorCode } : {}),
    },
    modelStats: stats,
    ...(f.written ? { written: f.written } : {}),
  };
}
