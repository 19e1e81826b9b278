/** research sessions: the stored research loop sessions. */
import { openResearch } from './open-research.js';
import type { Project } from './project.js';

/** Research loop sessions, newest first (without their stored state). */
export function researchSessionsUseCase(project: Project) {
  return openResearch(project, { noModel: true }).sessions();
}
