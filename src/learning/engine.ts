/**
 * MetaLearningEngine: the library face of the learning module. Records experiences, recommends
 * actions for a new context, and analyses everything recorded into proposals (statistics first,
 * then an optional meta-analysis by the local model).
 */
import type { ResolvedConfig } from '../config/schema.js';
import type { ModelAPI } from '../models/types.js';
import type { LearningStore } from './types.js';
import { PrdRepo } from '../storage/prd-repo.js';
import { refreshFeedback } from './feedback.js';
import { metaAnalysis } from './meta-analysis.js';
import { analyse, type Analysis, type CurrentRoles } from './proposals.js';
import { aggregate, neighbours, type Recommendation } from './recommend.js';
import { experienceFromPrdRun, recordExperience, type ContextEmbed } from './recorder.js';
import { ValidationError } from '../errors.js';
import {
  learningTaskTypesText,
  parseLearningTaskType,
  type LearningContext,
  type LearningExperience,
  type ModelCallStats,
  type WrittenTasks,
} from './types.js';
import type { AttemptCollector } from './attempts.js';

/** Adds each model's failure outcomes (re-ask/retry/fallback/unrecovered) from the collector. */
export function withOutcomes(stats: ModelCallStats[], attempts?: AttemptCollector): ModelCallStats[] {
  if (!attempts) return stats;
  return stats.map((s) => {
    const o = attempts.get(s.provider, s.model);
    return o ? { ...s, recovered: o } : s;
  });
}

/** What the engine needs: storage, config, and optionally a model API (embeddings, meta-analysis). */
export interface EngineOptions {
  repo: LearningStore;
  config: ResolvedConfig;
  api?: ModelAPI;
  /** The model each role uses now, including defaults picked by the catalog. */
  roles?: () => Promise<CurrentRoles>;
}

/** The outcome of one analysis (`improve`). */
export interface ImproveResult extends Analysis {
  experiences: number;
  feedbackUpdated: number;
  meta: 'used' | 'skipped' | 'off';
}

/**
 * Embeds with the model API's embedding model, bounded so a cold model cannot stall a command: the
 * bound is a deadline of the executor (the one timeout layer), so a server that does not answer in
 * time is a TIMEOUT of that endpoint like any call's, never an abort.
 */
export function apiEmbedder(api: ModelAPI, waitMs = 15_000): ContextEmbed {
  return async (texts) => {
    const r = await api.embed(texts, { timeouts: { firstTokenMs: waitMs, requestMs: waitMs } });
    return { embedder: `${r.model.provider}/${r.model.model}`, vectors: r.vectors };
  };
}

/** Records, recommends and analyses experiences of one project. */
export class MetaLearningEngine {
  private readonly embed?: ContextEmbed;

  constructor(private readonly o: EngineOptions) {
    if (o.api) this.embed = apiEmbedder(o.api);
  }

  /** Stores one experience (`improve record`, or a library user); returns its id. */
  async record(e: LearningExperience): Promise<{ id?: number; note?: string }> {
    return recordExperience(this.o.repo, e, this.embed);
  }

  /** Records a finished (or failed) parse-prd run from its stored summary and the metrics of its calls. */
  async recordPrdRun(
    runId: string,
    prdText: string,
    written?: WrittenTasks,
    attempts?: AttemptCollector,
    prd = new PrdRepo(this.o.repo.database),
  ): Promise<{ id?: number; note?: string }> {
    const summary = prd.listRuns(50).find((r) => r.runId === runId);
    if (!summary) return {}; // the run stopped before it started (e.g. the tag was not writable)
    // An interrupted run says nothing about the models or the strategy.
    if (summary.errorCode === 'ABORTED') return {};
    return this.record(
      experienceFromPrdRun(summary, prdText, withOutcomes(this.o.repo.runModelStats(runId), attempts), written),
    );
  }

  /**
   * The specification's recordExperience: record() taking its task types too (task_decomposition is
   * parse_prd; one with no type here is recorded as other with its name kept as context.taskKind).
   */
  async recordExperience(
    e: Omit<LearningExperience, 'taskType'> & { taskType: string },
  ): Promise<{ id?: number; note?: string }> {
    const t = parseLearningTaskType(e.taskType);
    if (!t) {
      throw new ValidationError(`unknown task type '${e.taskType}'`, {
        hint: `task types: ${learningTaskTypesText()}`,
      });
    }
    const context = t.kind ? { taskKind: t.kind, ...e.context } : e.context;
    return this.record({ ...e, taskType: t.type, context });
  }

  /** Recommendations for a context, from the most similar experiences of the task type (ours or the specification's). */
  async getRecommendations(
    taskType: string,
    context: LearningContext,
    opts: { k?: number } = {},
  ): Promise<{ neighbours: number; recommendations: Recommendation[] }> {
    const type = parseLearningTaskType(taskType)?.type ?? taskType;
    const near = await neighbours(this.o.repo, type, context, {
      ...opts,
      ...(this.embed ? { embed: this.embed } : {}),
    });
    return { neighbours: near.length, recommendations: aggregate(near) };
  }

  /** Reads feedback, derives proposals from statistics and (unless `meta` is false) asks the local model for more. */
  async improve(opts: { meta?: boolean; signal?: AbortSignal } = {}): Promise<ImproveResult> {
    const exps = this.o.repo.list();
    const feedbackUpdated = refreshFeedback(this.o.repo, exps);
    // A role left to the catalog's default is judged by the model it really uses; with no server, by the config.
    const roles = await (this.o.roles?.() ?? Promise.resolve({})).catch(() => ({}));
    const a = analyse(this.o.config, this.o.repo, exps, roles);
    let meta: ImproveResult['meta'] = 'off';
    if (opts.meta !== false && exps.length) {
      if (!this.o.api) a.notes.push('meta-analysis skipped: no model API');
      else {
        try {
          const m = await metaAnalysis(this.o.api, this.o.config, a, opts.signal);
          a.proposals.push(...m.proposals);
          a.notes.push(...m.notes);
          meta = 'used';
        } catch (e) {
          meta = 'skipped';
          a.notes.push(`meta-analysis skipped: ${(e as Error).message}`);
        }
      }
    }
    return { ...a, experiences: exps.length, feedbackUpdated, meta };
  }
}
