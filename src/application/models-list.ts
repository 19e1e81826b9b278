/** models: roles, deployment mode, aliases and the models discovered on every server. */
import { buildModelsOverview, type ModelsOverview } from '../models/overview.js';
import type { Project } from './project.js';

/** What `models` shows (discovers the servers; nothing is written). */
export async function modelsListUseCase(project: Project): Promise<ModelsOverview> {
  return buildModelsOverview(project.config, project.catalog());
}
