/** models --add: a registry alias (provider, model, endpoint, capabilities, context length). */
import type { AliasInput } from '../models/config-manager.js';
import { modelsSetUseCase } from './models-set.js';
import type { Project } from './project.js';

/** Adds (or replaces) the alias; the provider, capabilities and endpoint are validated first. */
export async function modelsAddUseCase(project: Project, o: AliasInput & { alias: string }) {
  return modelsSetUseCase(project, { add: o });
}
