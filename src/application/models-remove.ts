/** models --remove: a registry alias removed. */
import { modelsSetUseCase } from './models-set.js';
import type { Project } from './project.js';

/** Removes the alias (an unknown alias is a usage error). */
export async function modelsRemoveUseCase(project: Project, o: { alias: string }) {
  return modelsSetUseCase(project, { remove: o.alias });
}
