/** Result and option types of the research module (shared by the RAG system, the loop and callers). */
import type { ModelAPI, ProgressEvent } from '../models/types.js';
import type { ResearchClaimRepo } from '../storage/research-claim-repo.js';
import type { ResearchRepo } from '../storage/research-repo.js';
import type { ResearchSessionRepo } from '../storage/research-session-repo.js';
import type { ResearchVectorRepo } from '../storage/research-vector-repo.js';
import type { Passage, Synthesis } from './answer.js';
import type { Skipped } from './ingest.js';
import type { VectorIndexOptions } from './vector-index.js';

/** Everything LocalRAGSystem depends on, injected. */
export interface RAGDeps {
  repo: ResearchRepo;
  sessions: ResearchSessionRepo;
  /** Vector sets; default: on the same database as `repo`. */
  vectors?: ResearchVectorRepo;
  /** Embedding claims; default: on the same database as `repo`. */
  claims?: ResearchClaimRepo;
  /** Absent: no model at all (offline embedder, extractive answers). */
  api?: ModelAPI;
  /** Project root: file sources are stored relative to it. */
  root: string;
  clock?: () => Date;
  onProgress?: (e: ProgressEvent) => void;
  embedder?: { mode?: 'auto' | 'offline'; batchSize?: number; model?: string };
  /** Vector search tuning (tests force the two-stage path on small sets). */
  vectorIndex?: VectorIndexOptions;
}

/** Which embedder produced the vectors of an operation. */
export interface EmbedderInfo {
  model: string;
  offline: boolean;
  reason?: string;
}

/** Outcome of adding files or notes. */
export interface AddResult {
  added: string[];
  updated: string[];
  unchanged: string[];
  skipped: Skipped[];
  /** New chunks written by this add. */
  chunks: number;
  /** Vectors stored by this add (its own chunks and any it found without one). */
  embedded: number;
  embedCalls: number;
  embedder?: EmbedderInfo;
  notes: string[];
}

/** A note to add to the knowledge base. */
export interface NoteInput {
  title: string;
  content: string;
  /** A category to file it under (`domain_expertise`, …), shown by `research sources` and usable as a filter. */
  category?: string;
  /** Source name; default `note:<title>`. */
  source?: string;
}

/** Filters of a search or question. */
export interface SearchFilter {
  /** A source name, or a directory of sources. */
  source?: string;
  /** Only notes of this category. */
  category?: string;
}

/** Ranked passages of a hybrid search. */
export interface SearchResult {
  query: string;
  passages: Passage[];
  embedder: EmbedderInfo;
  embedCalls: number;
  notes: string[];
}

/** Options of search(). */
export interface SearchOptions extends SearchFilter {
  k?: number;
  signal?: AbortSignal;
}

/** A cited research answer. */
export interface ResearchAnswer extends Synthesis {
  question: string;
  passages: Passage[];
  embedder: EmbedderInfo;
  durationMs: number;
}

/** task-master's `research --detail`: how long an answer may be. */
export const DETAIL_LEVELS = ['low', 'medium', 'high'] as const;
export type DetailLevel = (typeof DETAIL_LEVELS)[number];

/** Options of researchQuery(). */
export interface QueryOptions extends SearchFilter {
  k?: number;
  /** Answer length: low ≤ 4 sentences, medium ≤ 8 (default), high ≤ 20; extractive answers quote 1/2/3 sentences per passage. */
  detail?: DetailLevel;
  context?: string;
  selfCheck?: boolean;
  signal?: AbortSignal;
  /** Set by the loop: its summary row is written once, not per question. */
  noRecord?: boolean;
}
