/**
 * Recommendations for a new context: the k most similar past experiences of the same task type
 * (vector kNN over every embedder we can embed the query with, plus the task-type filter), each
 * weighted by its similarity, aggregated per (strategy, model) into Beta posteriors over quality
 * (success, discounted by tasks the user threw away) and schema validity. Expected gain is the
 * group's posterior mean minus that of the other neighbours; confidence is P(group beats them).
 */
import { OFFLINE_MODEL, offlineEmbedOne } from '../research/offline-embedder.js';
import type { LearningStore } from './types.js';
import { interval, mean, posterior, probGreater } from './beta.js';
import { contextText } from './features.js';
import { quality } from './feedback.js';
import type { ContextEmbed } from './recorder.js';
import type { LearningContext, LearningExperience } from './types.js';

/** One recommended action with its evidence. */
export interface Recommendation {
  strategy: string;
  model?: string;
  /** The settings most often used by this group's experiences. */
  settings: Record<string, unknown>;
  experiences: number;
  /** Sum of similarity weights (effective sample size). */
  weight: number;
  quality: { mean: number; interval: [number, number] };
  schemaValidity?: { mean: number; interval: [number, number] };
  expectedGain: number;
  confidence: number;
  avgLatencyMs?: number;
  avgTokens?: number;
}

/** Options of getRecommendations. */
export interface RecommendOptions {
  k?: number;
  embed?: ContextEmbed;
}

/** Similar experiences with their similarity in [0,1]; falls back to all of the task type when none has a vector. */
export async function neighbours(
  repo: LearningStore,
  taskType: string,
  context: LearningContext,
  opts: RecommendOptions = {},
) {
  const k = opts.k ?? 25;
  const text = contextText(context);
  const best = new Map<number, number>();
  const take = (hits: { id: number; distance: number }[]) => {
    // cosine distance is in [0,2]; similarity 1 - d/2 keeps every neighbour a positive weight
    for (const h of hits) best.set(h.id, Math.max(best.get(h.id) ?? 0, 1 - h.distance / 2));
  };
  take(repo.knn(OFFLINE_MODEL, offlineEmbedOne(text), k, taskType));
  if (opts.embed) {
    try {
      const r = await opts.embed([text]);
      if (r.vectors[0]) take(repo.knn(r.embedder, Float32Array.from(r.vectors[0]), k, taskType));
    } catch {
      /* no embedding model: the offline neighbours stand */
    }
  }
  const exps = best.size ? repo.list({ taskType, ids: [...best.keys()] }) : repo.list({ taskType }).slice(-k);
  return exps
    .map((e) => ({ e, w: best.get(e.id!) ?? 0.5 }))
    .sort((a, b) => b.w - a.w)
    .slice(0, k);
}

function commonSettings(exps: LearningExperience[]): Record<string, unknown> {
  const counts = new Map<string, { v: Record<string, unknown>; n: number }>();
  for (const e of exps) {
    const s = Object.fromEntries(
      Object.entries(e.action.settings ?? {}).filter(([, v]) => v !== undefined && v !== null),
    );
    const key = JSON.stringify(s);
    counts.set(key, { v: s, n: (counts.get(key)?.n ?? 0) + 1 });
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.v ?? {};
}

/** Aggregates weighted neighbours per (strategy, model), best first. */
export function aggregate(items: { e: LearningExperience; w: number }[]): Recommendation[] {
  const groups = new Map<string, { e: LearningExperience; w: number }[]>();
  for (const it of items) {
    const key = `${it.e.action.strategy ?? 'default'}\u0000${it.e.action.model ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), it]);
  }
  const q = (xs: typeof items) =>
    posterior(
      xs.reduce((s, x) => s + x.w * quality(x.e), 0),
      xs.reduce((s, x) => s + x.w, 0),
    );
  const recs: Recommendation[] = [];
  for (const [key, xs] of groups) {
    const [strategy, model] = key.split('\u0000') as [string, string];
    const rest = items.filter((it) => !xs.includes(it));
    const post = q(xs);
    // Schema validity is the model's own: its calls in every neighbour run with this strategy
    // (a run led by another model often still called this one, e.g. as a fallback).
    let okSum = 0;
    let checked = 0;
    for (const x of items) {
      if ((x.e.action.strategy ?? 'default') !== strategy) continue;
      for (const m of x.e.modelStats ?? []) {
        if (model && m.model !== model) continue;
        okSum += x.w * m.ok;
        checked += x.w * (m.ok + m.invalid);
      }
    }
    const schema = checked > 0 ? posterior(okSum, checked) : undefined;
    const lat = xs.map((x) => x.e.outcome.latencyMs).filter((v): v is number => v !== undefined);
    const tok = xs.map((x) => x.e.outcome.tokens).filter((v): v is number => v !== undefined);
    recs.push({
      strategy,
      ...(model ? { model } : {}),
      settings: commonSettings(xs.map((x) => x.e)),
      experiences: xs.length,
      weight: round(xs.reduce((s, x) => s + x.w, 0)),
      quality: { mean: round(mean(post)), interval: interval(post).map(round) as [number, number] },
      ...(schema
        ? { schemaValidity: { mean: round(mean(schema)), interval: interval(schema).map(round) as [number, number] } }
        : {}),
      expectedGain: round(rest.length ? mean(post) - mean(q(rest)) : 0),
      // with nothing to compare against, confidence is how far the posterior is from a coin flip
      confidence: round(rest.length ? probGreater(post, q(rest)) : probGreater(post, posterior(0.5, 1))),
      ...(lat.length ? { avgLatencyMs: Math.round(lat.reduce((a, b) => a + b, 0) / lat.length) } : {}),
      ...(tok.length ? { avgTokens: Math.round(tok.reduce((a, b) => a + b, 0) / tok.length) } : {}),
    });
  }
  const score = (r: Recommendation) => r.quality.mean * (r.schemaValidity?.mean ?? 1);
  return recs.sort((a, b) => score(b) - score(a) || b.weight - a.weight);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
