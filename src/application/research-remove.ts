/** research remove: a source (or a directory of sources) out of the knowledge base. */
import { openResearch } from './open-research.js';
import type { Project } from './project.js';

/** Removes a source (exact name, or every source under a directory); NOT_FOUND when nothing matches. */
export function researchRemoveUseCase(project: Project, o: { source: string }): { removed: string[] } {
  return { removed: openResearch(project, { noModel: true }).removeSource(o.source) };
}
