/** research search: hybrid search (vectors + BM25) of the knowledge base. */
import type { SearchResult } from '../research/rag-system.js';
import { openResearch } from './open-research.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';

/** The query and how many passages of which source. */
export interface ResearchSearchOptions {
  query: string;
  k?: number;
  /** Only this source (file, directory or note:<title>). */
  source?: string;
  offline?: boolean;
}

/** Ranked passages with path and line range. */
export async function researchSearchUseCase(
  project: Project,
  o: ResearchSearchOptions,
  run: RunControls = {},
): Promise<SearchResult> {
  const rag = openResearch(project, o.offline ? { offline: true } : {});
  return rag.search(o.query, {
    ...(o.k !== undefined ? { k: o.k } : {}),
    ...(o.source ? { source: o.source } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
  });
}
