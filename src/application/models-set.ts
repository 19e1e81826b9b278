/** models --set-main/--set-research/--set-fallback/--mode/--add/--remove: config.json changed in one write. */
import { ModelConfigurationManager, type AliasInput, type ConfigChanges } from '../models/config-manager.js';
import { resolveRoleIds } from '../models/overview.js';
import type { Role } from '../config/schema.js';
import type { Project } from './project.js';

/** The changes: role model ids or aliases, the saved mode, an alias to add or remove. */
export interface ModelsSetOptions {
  roles?: Partial<Record<Role, string>>;
  /** Saved in config.json (local.mode); `local-only` and `local_only` are accepted. */
  mode?: string;
  add?: AliasInput & { alias: string };
  remove?: string;
}

/**
 * Resolves role ids through the catalog (an unknown model fails before anything is written), then
 * validates and writes every change at once, keeping keys task-master wrote.
 */
export async function modelsSetUseCase(project: Project, o: ModelsSetOptions) {
  const changes: ConfigChanges = {};
  if (o.mode) changes.mode = o.mode;
  if (o.remove) changes.removeAlias = o.remove;
  if (o.add) changes.addAlias = o.add;
  if (o.roles && Object.values(o.roles).some((v) => v !== undefined))
    changes.roles = await resolveRoleIds(project.catalog(), o.roles);
  return manager(project).apply(changes);
}

/** The configuration manager of the project's config.json. */
export function manager(project: Project): ModelConfigurationManager {
  return new ModelConfigurationManager(project.config.configPath, {
    trustedHosts: project.config.local.trustedHosts,
  });
}
