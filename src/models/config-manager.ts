import { ValidationError } from '../errors.js';
import type { DeploymentMode, ModelRef, ProviderKind } from './types.js';
import { toTaskMasterOllamaURL } from '../config/hosts.js';
import { readConfigFile, validateConfig, writeConfig } from '../config/load.js';
import { ROLES, type ModelEntry, type Role, type RoleConfig } from '../config/schema.js';
import { redactSecrets } from '../config/redact.js';
import { atomicWriteFile } from '../util/fs.js';

export { REDACTED, isRedacted, redactSecrets } from '../config/redact.js';
export { buildAliasEntry, parseMode, type AliasInput } from './alias-entry.js';
import { buildAliasEntry, parseMode, type AliasInput } from './alias-entry.js';
import { planImport, refuseProblems, writeImport, type ImportOutcome } from './config-import.js';

/** task-master's own defaults for a role that had no maxTokens/temperature before. */
export const ROLE_DEFAULTS = { maxTokens: 8192, temperature: 0.2 } as const;

/**
 * The role entry task-master itself would write for `ref`: its provider name, the model id, the
 * baseURL in its format (Ollama with /api), and maxTokens/temperature kept from the previous entry.
 */
export function roleConfigFor(ref: ModelRef, previous?: RoleConfig): RoleConfig {
  const { baseURL: _old, ...rest } = previous ?? ({} as RoleConfig);
  const out: RoleConfig = {
    ...rest,
    provider: taskMasterProvider(ref.provider),
    modelId: ref.model,
    maxTokens: previous?.maxTokens ?? ref.maxTokens ?? ROLE_DEFAULTS.maxTokens,
    temperature: previous?.temperature ?? ref.temperature ?? ROLE_DEFAULTS.temperature,
  };
  if (ref.endpoint) out.baseURL = ref.provider === 'ollama' ? toTaskMasterOllamaURL(ref.endpoint) : ref.endpoint;
  return out;
}

/** task-master knows LM Studio by name; LocalAI and other servers only as "openai-compatible". */
export function taskMasterProvider(kind: ProviderKind): string {
  return kind === 'localai' ? 'openai-compatible' : kind;
}

function localSection(raw: Record<string, unknown>): Record<string, unknown> {
  const l = raw.local;
  return l && typeof l === 'object' && !Array.isArray(l) ? (l as Record<string, unknown>) : {};
}

/** A model as the specification's ModelConfig describes it (modelName) or as a ModelRef does (model). */
export interface SpecModelConfig {
  provider: string;
  modelName?: string;
  model?: string;
  endpoint?: string;
  capabilities?: readonly string[];
  contextLength?: number;
  tier?: string;
}

/** What `apply` can change in one write. */
export interface ConfigChanges {
  roles?: Partial<Record<Role, ModelRef>>;
  mode?: string;
  addAlias?: AliasInput & { alias: string };
  removeAlias?: string;
}

function checkRole(role: string, ref: ModelRef): void {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ValidationError(`unknown role '${role}'`, { hint: `roles: ${ROLES.join(', ')}` });
  }
  if (ref.embedding) {
    throw new ValidationError(`'${ref.model}' is an embedding model and cannot be the ${role} model`, {
      hint: 'pick a chat model; embedding models are used by research and search automatically',
    });
  }
}

/**
 * Every change `models` makes to task-master's config.json. Each operation validates first and
 * writes through `writeConfig` (merge over the file as it is now, keep unknown keys, atomic rename),
 * so a failed validation leaves the file untouched.
 */
export class ModelConfigurationManager {
  constructor(
    readonly configPath: string,
    private readonly opts: { trustedHosts?: readonly string[] } = {},
  ) {}

  /** The file as it is on disk ({} when absent), validated. */
  read(): Record<string, unknown> {
    const { raw } = readConfigFile(this.configPath);
    validateConfig(raw, this.configPath);
    return raw;
  }

  /** Assigns a task-master role; returns the entry written. */
  setRole(role: Role, ref: ModelRef): RoleConfig {
    return this.apply({ roles: { [role]: ref } }).roles[role]!;
  }

  /**
   * Several changes in one validated write: roles, mode, one alias added and/or removed.
   * Everything is checked before the file is touched, so either all of it lands or none.
   */
  apply(changes: ConfigChanges): {
    roles: Partial<Record<Role, RoleConfig>>;
    mode?: DeploymentMode;
    alias?: ModelEntry;
    replaced?: boolean;
  } {
    for (const [role, ref] of Object.entries(changes.roles ?? {})) checkRole(role, ref);
    const mode = changes.mode === undefined ? undefined : parseMode(changes.mode);
    const entry = changes.addAlias
      ? buildAliasEntry(changes.addAlias.alias, changes.addAlias, this.opts.trustedHosts)
      : undefined;
    if (changes.removeAlias) this.requireAlias(changes.removeAlias);
    const roles: Partial<Record<Role, RoleConfig>> = {};
    let replaced = false;
    writeConfig(this.configPath, (cur) => {
      let next: Record<string, unknown> = { ...cur };
      if (changes.roles && Object.keys(changes.roles).length) {
        const models = {
          ...((cur.models && typeof cur.models === 'object' ? cur.models : {}) as Record<string, unknown>),
        };
        for (const [role, ref] of Object.entries(changes.roles) as [Role, ModelRef][]) {
          roles[role] = roleConfigFor(ref, models[role] as RoleConfig | undefined);
          models[role] = roles[role];
        }
        next.models = models;
      }
      const local = { ...localSection(cur) };
      const registry = { ...((local.registry as Record<string, unknown>) ?? {}) };
      if (changes.removeAlias) delete registry[changes.removeAlias];
      if (entry && changes.addAlias) {
        replaced = changes.addAlias.alias in registry;
        registry[changes.addAlias.alias] = entry;
      }
      if (changes.removeAlias || entry) local.registry = registry;
      if (mode) local.mode = mode;
      if (mode || changes.removeAlias || entry) next = { ...next, local };
      return next;
    });
    return { roles, ...(mode ? { mode } : {}), ...(entry ? { alias: entry, replaced } : {}) };
  }

  /** Saves the deployment mode in `local.mode`. */
  setMode(mode: string): DeploymentMode {
    return this.apply({ mode }).mode!;
  }

  /** Adds or replaces a registry alias; returns the entry and whether one was replaced. */
  addAlias(alias: string, input: AliasInput): { entry: ModelEntry; replaced: boolean } {
    const r = this.apply({ addAlias: { ...input, alias } });
    return { entry: r.alias!, replaced: r.replaced ?? false };
  }

  /** Removes a registry alias; unknown aliases are an error naming the ones that exist. */
  removeAlias(alias: string): void {
    this.apply({ removeAlias: alias });
  }

  private requireAlias(alias: string): void {
    const registry = (localSection(this.read()).registry ?? {}) as Record<string, unknown>;
    if (alias in registry) return;
    const known = Object.keys(registry);
    throw new ValidationError(`no alias '${alias}' in ${this.configPath}`, {
      hint: known.length
        ? `configured aliases: ${known.join(', ')}`
        : 'no aliases are configured; add one with `models --add`',
    });
  }

  /** The whole file as pretty JSON with every secret replaced by "[REDACTED]". */
  exportConfig(): string {
    return JSON.stringify(redactSecrets(this.read()), null, 2) + '\n';
  }

  /** The specification's name for setMode. */
  setDeploymentMode(mode: string): DeploymentMode {
    return this.setMode(mode);
  }

  /**
   * The specification's addModelConfiguration(modelId, modelConfig, tier): a registry alias from a
   * ModelRef or a `{provider, modelName, endpoint, capabilities}` config (ModelProvider/TaskType values).
   */
  addModelConfiguration(
    modelId: string,
    modelConfig: SpecModelConfig,
    tier?: string,
  ): { entry: ModelEntry; replaced: boolean } {
    const model = modelConfig.modelName ?? modelConfig.model;
    const t = tier ?? modelConfig.tier;
    return this.addAlias(modelId, {
      provider: modelConfig.provider,
      model: model ?? '',
      ...(modelConfig.endpoint ? { endpoint: modelConfig.endpoint } : {}),
      ...(modelConfig.capabilities ? { capabilities: [...modelConfig.capabilities] } : {}),
      ...(modelConfig.contextLength ? { contextLength: modelConfig.contextLength } : {}),
      ...(t ? { tier: t } : {}),
    });
  }

  /** The specification's exportConfiguration(path): the redacted export written to `path`; returns it. */
  exportConfiguration(path: string): string {
    atomicWriteFile(path, this.exportConfig());
    return path;
  }

  /**
   * Imports a file written by `models --export` (its sections merged over the current ones, saved
   * roles the file lacks kept) or one in the specification's shape (its mode and models become ours;
   * roles untouched). Everything is validated before the file is touched; returns the written config.
   */
  importConfig(json: string, source = 'import'): Record<string, unknown> {
    return this.importConfiguration(json, source).config;
  }

  /** importConfig with the whole outcome: the shape, aliases written, roles kept, notes line by line. */
  importConfiguration(json: string, source = 'import'): ImportOutcome {
    const plan = planImport(json, source, this.opts.trustedHosts);
    refuseProblems(plan, source);
    return writeImport(this.configPath, plan, source);
  }
}

export { restoreRedacted } from './config-import.js';
