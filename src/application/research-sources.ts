/** research sources: the knowledge base's sources. */
import { openResearch } from './open-research.js';
import type { Project } from './project.js';

/** Every source with its chunk count, size and last update. */
export function researchSourcesUseCase(project: Project) {
  return openResearch(project, { noModel: true }).sources();
}
