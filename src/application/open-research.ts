/** The research capability on a project's database, model API and embedding settings. */
import type { ProgressEvent } from '../models/types.js';
import { LocalRAGSystem } from '../research/rag-system.js';
import { ResearchRepo } from '../storage/research-repo.js';
import { ResearchSessionRepo } from '../storage/research-session-repo.js';
import type { Project } from './project.js';

/** Options of openResearch(). */
export interface OpenResearchOptions {
  /** Never call an embedding model: use the offline embedder. */
  offline?: boolean;
  /** No model at all: offline embeddings and extractive answers. */
  noModel?: boolean;
  clock?: () => Date;
  onProgress?: (e: ProgressEvent) => void;
}

/** A LocalRAGSystem on a project's database, model API and embedding settings. */
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
