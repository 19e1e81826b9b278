/**
 * Learned routing (opt-in, `local.learnedRouting`): Thompson sampling over the eligible models of
 * a task type, from each model's valid answers per fresh call in the metrics ledger. Exploration is
 * bounded: a model other than the greedy best (highest posterior mean) may lead only while fewer
 * than `maxExploreShare` of this process's decisions explored, and only if its posterior is not
 * hopeless (P(better than greedy) >= minExploreP). Every choice is logged.
 */
import type { RankCandidates, RouteTask } from '../models/routing.js';
import type { ModelRef } from '../models/types.js';
import type { ModelTotals } from '../storage/learning-repo.js';
import type { LearningStore } from './types.js';
import { mean, posterior, probGreater, sample, seededRng } from './beta.js';
import { sameModel } from './proposals.js';

/** Options of learnedRanker. */
export interface RankerOptions {
  rng?: () => number;
  maxExploreShare?: number;
  minExploreP?: number;
  /** How long one read of the ledger's totals is reused (ms); a run routes many calls in a burst. */
  ttlMs?: number;
  now?: () => number;
}

/** A rankCandidates hook for the model API; reads statistics through `repo()` on each decision. */
export function learnedRanker(repo: () => LearningStore, opts: RankerOptions = {}): RankCandidates {
  const rng = opts.rng ?? seededRng(Date.now() & 0xffffffff);
  const maxShare = opts.maxExploreShare ?? 0.2;
  const minP = opts.minExploreP ?? 0.05;
  let decisions = 0;
  let explored = 0;
  const ttl = opts.ttlMs ?? 2000;
  const now = opts.now ?? (() => Date.now());
  const cache = new Map<string, { at: number; totals: ModelTotals[] }>();
  return (task: RouteTask, candidates: ModelRef[]) => {
    let totals: ModelTotals[];
    try {
      const hit = cache.get(task.type);
      totals = hit && now() - hit.at < ttl ? hit.totals : repo().metricsTotals(task.type);
      if (totals !== hit?.totals) cache.set(task.type, { at: now(), totals });
    } catch {
      return candidates; // no statistics readable: keep the configured order
    }
    const post = (c: ModelRef) => {
      const t = totals.find((x) => sameModel(x.model, c.model) && (!x.provider || x.provider === c.provider));
      return posterior(t?.ok ?? 0, t?.calls ?? 0);
    };
    const posts = new Map(candidates.map((c) => [c, post(c)]));
    const greedy = [...candidates].sort((a, b) => mean(posts.get(b)!) - mean(posts.get(a)!))[0]!;
    const samples = new Map(candidates.map((c) => [c, sample(posts.get(c)!, rng)]));
    let ranked = [...candidates].sort((a, b) => samples.get(b)! - samples.get(a)!);
    decisions++;
    let didExplore = ranked[0] !== greedy;
    if (
      didExplore &&
      (explored + 1 > maxShare * decisions || probGreater(posts.get(ranked[0]!)!, posts.get(greedy)!) < minP)
    ) {
      ranked = [greedy, ...ranked.filter((c) => c !== greedy)];
      didExplore = false;
    }
    if (didExplore) explored++;
    try {
      repo().logRoute({
        taskType: task.type,
        chosen: ranked[0]!.alias,
        greedy: greedy.alias,
        explored: didExplore,
        samples: Object.fromEntries(candidates.map((c) => [c.alias, Math.round(samples.get(c)! * 1000) / 1000])),
      });
    } catch {
      /* the log is informative; a busy database must not change the route */
    }
    return ranked;
  };
}
