/** The research module's public surface and its wiring to a project (see docs/research.md). */
import type { Project } from '../context.js';
import type { ProgressEvent } from '../models/types.js';
import { ResearchRepo } from '../storage/research-repo.js';
import { ResearchSessionRepo } from '../storage/research-session-repo.js';
import { LocalRAGSystem } from './rag-system.js';

export { LocalRAGSystem } from './rag-system.js';
export type { AddResult, EmbedderInfo, QueryOptions, RAGDeps, ResearchAnswer, SearchResult } from './rag-system.js';
export type { LoopOptions, LoopResult } from './loop.js';
export type { Citation, Passage } from './answer.js';
export { OFFLINE_DIMENSION, OFFLINE_MODEL, offlineEmbed, offlineEmbedOne } from './offline-embedder.js';
export { RecommendationSchema, type Recommendation } from './schemas.js';

/** Options of openResearch(). */
export interface OpenResearchOptions {
  /** Never call an embedding model: use the offline embedder. */
  offline?: boolean;
  /** No model at all: offline embeddings and extractive answers. */
  noModel?: boolean;
  clock?: () => Date;
  onProgress?: (e: ProgressEvent) => void;
}

/** A LocalRAGSystem on a project's database, model door and embedding settings. */
export function openResearch(project: Project, opts: OpenResearchOptions = {}): LocalRAGSystem {
  const db = project.db();
  const local = project.config.local;
  return new LocalRAGSystem({
    repo: new ResearchRepo(db),
    sessions: new ResearchSessionRepo(db),
    ...(opts.noModel ? {} : { api: project.api() }),
    root: project.paths.root,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    embedder: {
      mode: opts.offline || opts.noModel ? 'offline' : 'auto',
      batchSize: local.embeddingBatchSize,
      ...(local.embeddingModel ? { model: local.embeddingModel } : {}),
    },
  });
}
