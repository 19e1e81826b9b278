/**
 * Turns a finished run into an experience and stores it with its context vectors. Every context
 * gets an offline (hashing) vector, so similarity search works with no model at all; when an
 * embedding model answers, its vector is stored too, in that model's own table (vectors of
 * different embedders are never compared).
 */
import { offlineEmbedOne, OFFLINE_MODEL } from '../research/offline-embedder.js';
import type { LearningStore } from './types.js';
import type { RunSummary } from '../storage/prd-repo.js';
import { contextText, prdContext } from './features.js';
import type { LearningExperience, ModelCallStats, WrittenTasks } from './types.js';
import { isAppError } from '../errors.js';

/** Embeds texts with a model; returns the embedder's name and vectors (throws when none is reachable). */
export type ContextEmbed = (texts: string[]) => Promise<{ embedder: string; vectors: number[][] }>;

/** Vectors of one context: always the offline one, plus the model's when `embed` works. */
export async function contextVectors(
  text: string,
  embed?: ContextEmbed,
): Promise<{ vectors: { embedder: string; vector: Float32Array }[]; note?: string }> {
  const vectors = [{ embedder: OFFLINE_MODEL, vector: offlineEmbedOne(text) }];
  if (!embed) return { vectors };
  try {
    const r = await embed([text]);
    const v = r.vectors[0];
    if (v?.length) vectors.push({ embedder: r.embedder, vector: Float32Array.from(v) });
    return { vectors };
  } catch (e) {
    // No embedding model is the normal case without one: the offline vector suffices, nothing to say.
    if (isAppError(e) && e.code === 'NO_MODEL_AVAILABLE') return { vectors };
    return {
      vectors,
      note: `experience for \`improve\` embedded offline only (the embedding model failed: ${(e as Error).message})`,
    };
  }
}

/** Stores an experience (idempotent per run id); returns its id, or undefined when the run was already recorded. */
export async function recordExperience(
  repo: LearningStore,
  e: LearningExperience,
  embed?: ContextEmbed,
): Promise<{ id?: number; note?: string }> {
  if (e.runId && repo.hasRun(e.runId)) return {};
  const { vectors, note } = await contextVectors(contextText(e.context), embed);
  return { id: repo.insert(e, vectors), ...(note ? { note } : {}) };
}

/** Sum of per-model stats: valid answers over answers checked, and whether any answer broke the schema. */
export function schemaTotals(stats: readonly ModelCallStats[]): { ok: number; invalid: number; rate?: number } {
  const ok = stats.reduce((s, m) => s + m.ok, 0);
  const invalid = stats.reduce((s, m) => s + m.invalid, 0);
  return { ok, invalid, ...(ok + invalid > 0 ? { rate: ok / (ok + invalid) } : {}) };
}

/** The strategy label of a parse-prd run: depth and expansion threshold. */
export function prdStrategy(options: Record<string, unknown>): string {
  return `depth${Number(options.maxDepth ?? 2)}-threshold${Number(options.complexityThreshold ?? 5)}`;
}

/**
 * The experience of one parse-prd run from its stored summary, the PRD text, the run's per-model
 * call stats (metrics ledger) and, when tasks were written, where they are.
 */
export function experienceFromPrdRun(
  s: RunSummary,
  prdText: string,
  stats: ModelCallStats[],
  written?: WrittenTasks,
): LearningExperience {
  const primary = [...stats].sort((a, b) => b.ok - a.ok || b.calls - a.calls)[0]?.model;
  const schema = schemaTotals(stats);
  const o = s.options;
  return {
    taskType: 'parse_prd',
    source: 'parse-prd',
    runId: s.runId,
    ts: s.finishedAt ?? s.startedAt,
    context: prdContext(prdText),
    action: {
      ...(primary ? { model: primary } : {}),
      models: stats.map((m) => m.model),
      promptIds: s.promptIds,
      strategy: s.structural ? 'structural' : prdStrategy(o),
      depth: Number(o.maxDepth ?? 2),
      settings: {
        concurrency: o.concurrency,
        numTasks: o.numTasks,
        expandThreshold: o.complexityThreshold,
        noCache: o.noCache,
        requestedModel: o.model,
      },
    },
    outcome: {
      success: s.success && !s.structural,
      schemaValid: schema.invalid === 0,
      ...(schema.rate !== undefined ? { schemaValidRate: schema.rate } : {}),
      reasks: s.reasks,
      fallbacks: s.fallbacks,
      failures: s.failures,
      tokens: s.promptTokens + s.completionTokens,
      latencyMs: s.durationMs,
      calls: s.llmCalls,
      ...(s.errorCode ? { errorCode: s.errorCode } : {}),
    },
    modelStats: stats,
    ...(written ? { written } : {}),
  };
}
