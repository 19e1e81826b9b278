/**
 * Chooses between the model API's embedding role and the offline embedder. The first call that
 * finds no reachable embedding model switches this instance to offline for the rest of the run
 * (one failed probe, not one per batch), and the switch is reported.
 */
import { AppError, ProviderError, isAppError } from '../errors.js';
import type { ModelAPI } from '../models/types.js';
import { OFFLINE_DIMENSION, OFFLINE_MODEL, offlineEmbed } from './offline-embedder.js';

/** Vectors of one embed request, with the model that made them. */
export interface Embedded {
  vectors: Float32Array[];
  model: string;
  dimension: number;
  offline: boolean;
  calls: number;
}

/** How ResearchEmbedder picks its vectors. */
export interface EmbedderOptions {
  /** 'offline' never calls the model API. */
  mode?: 'auto' | 'offline';
  batchSize?: number;
  /** Embedding model alias to ask the API for (config local.embeddingModel). */
  model?: string;
}

// Errors that mean "no embedding model here", as opposed to a broken one that must be reported.
const FALLBACK_CODES = new Set(['NO_MODEL_AVAILABLE', 'PROVIDER_UNREACHABLE', 'MODEL_NOT_FOUND']);

/** How the research module embeds: the model API's embedding model, or the offline embedder. */
export class ResearchEmbedder {
  readonly batchSize: number;
  private offline: boolean;
  /** Why the offline embedder is in use, when it is. */
  fallbackReason?: string;

  constructor(
    private readonly api: ModelAPI | undefined,
    private readonly opts: EmbedderOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 64;
    this.offline = opts.mode === 'offline' || !api || opts.model === OFFLINE_MODEL;
    if (this.offline)
      this.fallbackReason =
        opts.mode === 'offline' || opts.model === OFFLINE_MODEL ? 'offline embedder selected' : 'no model API';
  }

  /** Whether vectors now come from the offline embedder. */
  get isOffline(): boolean {
    return this.offline;
  }

  /** Embeds texts in batches of `batchSize`; calls = ceil(texts / batchSize). */
  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Embedded> {
    if (!texts.length)
      return { vectors: [], model: this.offline ? OFFLINE_MODEL : '', dimension: 0, offline: this.offline, calls: 0 };
    if (!this.offline) {
      try {
        const r = await this.api!.embed([...texts], { batchSize: this.batchSize, model: this.opts.model, signal });
        return this.validate(r.vectors, r.model.model, r.dimension, r.calls, texts.length);
      } catch (e) {
        if (!isAppError(e) || !FALLBACK_CODES.has(e.code)) throw e;
        this.offline = true;
        this.fallbackReason = `no embedding model reachable (${e.message})`;
      }
    }
    return {
      vectors: offlineEmbed(texts),
      model: OFFLINE_MODEL,
      dimension: OFFLINE_DIMENSION,
      offline: true,
      calls: Math.ceil(texts.length / this.batchSize),
    };
  }

  // A server that returns ragged or missing vectors must not corrupt the index.
  private validate(vectors: number[][], model: string, dimension: number, calls: number, n: number): Embedded {
    const bad =
      vectors.length !== n || vectors.some((v) => v.length !== dimension || v.some((x) => !Number.isFinite(x)));
    if (bad || dimension <= 0) {
      throw new ProviderError(
        'PROVIDER_ERROR',
        `embedding model ${model} returned ${vectors.length} vectors of inconsistent dimension for ${n} texts`,
        {
          hint: 'check the embedding model (local.embeddingModel); nothing was written to the index',
        },
      );
    }
    return { vectors: vectors.map((v) => normalize(Float32Array.from(v))), model, dimension, offline: false, calls };
  }
}

// Cosine distance in vec0 does not need unit vectors, but the binary pre-filter and similarity
// reporting assume them, so every stored vector is normalised once here.
function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  if (n > 0) {
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}

/** An AppError telling that the knowledge base has nothing to search. */
export function emptyKnowledgeBase(): AppError {
  return new AppError('NOT_FOUND', 'the research knowledge base is empty', {
    hint: 'add documents first: `task-master-local research add <dir>` (or `research add --note <title> <text>`)',
  });
}
