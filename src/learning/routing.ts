/**
 * Learned routing (opt-in, `local.learnedRouting`): Thompson sampling over the eligible models of
 * a task type, from each model's valid answers per fresh call in the metrics ledger. Exploration is
 * bounded: a model other than the greedy best (highest posterior mean) may lead only while fewer
 * than `maxExploreShare` of this process's decisions explored, and only if its posterior is not
 * hopeless (P(better than greedy) >= minExploreP). When the greedy model fails often (two or more
 * invalid answers, posterior mean below 0.9) and the sampled leader has answered fewer than THIN_CALLS times, the share
 * rises to half the decisions, so a failing main model's alternatives are measured within a few runs. Every
 * choice is logged.
 */
import type { RankCandidates, RouteTask } from '../models/routing.js';
import type { ModelRef } from '../models/types.js';
import type { ModelTotals } from '../storage/learning-repo.js';
import type { LearningStore } from './types.js';
import { mean, posterior, probGreater, sample, seededRng } from './beta.js';
import { sameModel } from './proposals.js';

/** Fresh calls below which a model's statistics are too thin to judge it. */
export const THIN_CALLS = 10;
/** Below this posterior mean of valid answers the greedy model counts as failing often. */
const FAILING_MEAN = 0.9;

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
    const totalOf = (c: ModelRef) =>
      totals.find((x) => sameModel(x.model, c.model) && (!x.provider || x.provider === c.provider));
    const post = (c: ModelRef) => posterior(totalOf(c)?.ok ?? 0, totalOf(c)?.calls ?? 0);
    const posts = new Map(candidates.map((c) => [c, post(c)]));
    const greedy = [...candidates].sort((a, b) => mean(posts.get(b)!) - mean(posts.get(a)!))[0]!;
    const samples = new Map(candidates.map((c) => [c, sample(posts.get(c)!, rng)]));
    let ranked = [...candidates].sort((a, b) => samples.get(b)! - samples.get(a)!);
    decisions++;
    let didExplore = ranked[0] !== greedy;
    // Unsettled: the greedy model itself has failed more than once and answers validly less than
    // FAILING_MEAN of the time, while the sampled leader is too thin to judge. A reliable model with few
    // calls is not failing, and a failing model that is not the greedy choice gains no extra exploration.
    const g = totalOf(greedy);
    const failing = !!g && g.calls - g.ok >= 2 && mean(posts.get(greedy)!) < FAILING_MEAN;
    const settle = failing && (totalOf(ranked[0]!)?.calls ?? 0) < THIN_CALLS;
    const share = settle ? Math.max(maxShare, 0.5) : maxShare;
    if (
      didExplore &&
      (explored + 1 > share * decisions || probGreater(posts.get(ranked[0]!)!, posts.get(greedy)!) < minP)
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
