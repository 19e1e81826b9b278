import { ConfigError, ValidationError } from '../errors.js';
import { ModelConfigFactory } from './config-factory.js';
import {
  DEPLOYMENT_MODES,
  MODEL_TIERS,
  PROVIDER_KINDS,
  TASK_TYPES,
  normalizeEnumName,
  normalizeProvider,
  normalizeTier,
  type DeploymentMode,
  type ModelRef,
  type ProviderKind,
  type TaskType,
} from './types.js';
import { parseJsonWithPosition } from '../util/json.js';
import { toTaskMasterOllamaURL } from '../config/hosts.js';
import { readConfigFile, validateConfig, writeConfig } from '../config/load.js';
import { ROLES, type ModelEntry, type Role, type RoleConfig } from '../config/schema.js';
import { inspectModelRef, isEmbeddingModel } from './embedded/discover.js';
import { isRedacted, redactSecrets } from '../config/redact.js';

export { REDACTED, isRedacted, redactSecrets } from '../config/redact.js';

/** task-master's own defaults for a role that had no maxTokens/temperature before. */
export const ROLE_DEFAULTS = { maxTokens: 8192, temperature: 0.2 } as const;

/** Input of `addAlias`: what `models --add` and the library accept before validation. */
export interface AliasInput {
  provider: string;
  model: string;
  endpoint?: string;
  /** Task types, case-insensitive; 'embedding' marks an embedding model. */
  capabilities?: string[];
  contextLength?: number;
  /** SMALL, MEDIUM, LARGE or SPECIALIZED, case-insensitive; unset = guessed from the model's size. */
  tier?: string;
}

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

/** Normalises a mode name ('local-only', 'local_only') or throws naming the valid ones. */
export function parseMode(value: string): DeploymentMode {
  const m = value.trim().toUpperCase().replace(/-/g, '_');
  if ((DEPLOYMENT_MODES as string[]).includes(m)) return m as DeploymentMode;
  throw new ValidationError(`unknown mode '${value}'`, { hint: `valid modes: ${DEPLOYMENT_MODES.join(', ')}` });
}

/** Validates alias input and builds the registry entry; throws naming the bad field. */
export function buildAliasEntry(alias: string, input: AliasInput, trustedHosts: readonly string[] = []): ModelEntry {
  if (!/^[A-Za-z0-9][\w.:@-]*$/.test(alias)) {
    throw new ValidationError(`invalid alias '${alias}'`, {
      hint: 'use letters, digits and . _ - : (e.g. local-llama3)',
    });
  }
  const provider = normalizeProvider(input.provider ?? '');
  if (!provider) {
    throw new ValidationError(`unknown provider '${input.provider}' for alias '${alias}'`, {
      hint: `valid providers: ${PROVIDER_KINDS.join(', ')} (or the specification's OLLAMA, LM_STUDIO, LOCAL_AI, …)`,
    });
  }
  const tier = input.tier === undefined ? undefined : normalizeTier(input.tier);
  if (input.tier !== undefined && !tier) {
    throw new ValidationError(`unknown tier '${input.tier}' for alias '${alias}'`, {
      hint: `valid tiers: ${MODEL_TIERS.join(', ')}`,
    });
  }
  let embedding: boolean | undefined;
  const caps: TaskType[] = [];
  for (const raw of input.capabilities ?? []) {
    const c = normalizeEnumName(raw);
    if (!c) continue;
    if (c === 'EMBEDDING' || c === 'EMBED') embedding = true;
    else if ((TASK_TYPES as string[]).includes(c)) caps.push(c as TaskType);
    else {
      throw new ValidationError(`unknown capability '${raw}' for alias '${alias}'`, {
        hint: `valid capabilities: ${TASK_TYPES.join(', ')}, EMBEDDING`,
      });
    }
  }
  const ref = ModelConfigFactory.create(provider, input.model ?? '', {
    alias,
    ...(input.endpoint ? { endpoint: input.endpoint } : {}),
    ...(input.capabilities ? { capabilities: caps } : {}),
    ...(embedding ? { embedding } : {}),
    ...(input.contextLength ? { contextLength: input.contextLength } : {}),
    ...(tier ? { tier } : {}),
    trustedHosts,
  });
  // An embedded model is a file: check its GGUF header now (no native code) instead of at first use.
  if (ref.provider === 'llama-cpp' && isEmbeddingModel(inspectModelRef(ref.model)) && !input.capabilities)
    ref.embedding = true;
  return ModelConfigFactory.toEntry(ref);
}

function localSection(raw: Record<string, unknown>): Record<string, unknown> {
  const l = raw.local;
  return l && typeof l === 'object' && !Array.isArray(l) ? (l as Record<string, unknown>) : {};
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

  /**
   * Imports an exported file: top-level sections in `json` replace the current ones, others stay.
   * "[REDACTED]" placeholders keep the real value on disk (or are dropped); all is validated first.
   */
  importConfig(json: string, source = 'import'): Record<string, unknown> {
    const parsed = parseJsonWithPosition(json, source);
    if (!parsed.ok) {
      throw new ValidationError(`${source}: ${parsed.error}`, {
        hint: 'the file must be JSON as written by `models --export`',
      });
    }
    const value = parsed.value;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new ValidationError(`${source}: the top level must be a JSON object`, {
        hint: 'import a file written by `models --export`',
      });
    }
    checkNamedEnums(value as Record<string, unknown>, source);
    const current = this.read();
    const merged = { ...current, ...(restoreRedacted(value, current) as Record<string, unknown>) };
    validateConfig(merged, source);
    return writeConfig(this.configPath, (cur) => ({
      ...cur,
      ...(restoreRedacted(value, cur) as Record<string, unknown>),
    }));
  }
}

/** Names an unknown mode or provider in an import before zod's generic enum message would. */
function checkNamedEnums(v: Record<string, unknown>, source: string): void {
  const local = localSection(v);
  if (typeof local.mode === 'string' && !(DEPLOYMENT_MODES as string[]).includes(local.mode)) {
    throw new ConfigError('CONFIG_INVALID', `${source}: local.mode: unknown mode '${local.mode}'`, {
      hint: `valid modes: ${DEPLOYMENT_MODES.join(', ')}`,
    });
  }
  for (const [alias, e] of Object.entries((local.registry ?? {}) as Record<string, { provider?: unknown }>)) {
    const p = e?.provider;
    if (typeof p === 'string' && !(PROVIDER_KINDS as string[]).includes(p)) {
      throw new ConfigError('CONFIG_INVALID', `${source}: local.registry.${alias}.provider: unknown provider '${p}'`, {
        hint: `valid providers: ${PROVIDER_KINDS.join(', ')}`,
      });
    }
  }
}

/** Replaces each "[REDACTED]" in `incoming` by the value at the same path in `current`, or drops it. */
export function restoreRedacted(incoming: unknown, current: unknown): unknown {
  const DROP = Symbol('drop');
  const walk = (v: unknown, cur: unknown): unknown => {
    if (isRedacted(v)) return cur !== undefined && !isRedacted(cur) ? cur : DROP;
    if (Array.isArray(v)) {
      const c = Array.isArray(cur) ? cur : [];
      return v.map((x, i) => walk(x, c[i])).filter((x) => x !== DROP);
    }
    if (v && typeof v === 'object') {
      const c = cur && typeof cur === 'object' ? (cur as Record<string, unknown>) : {};
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const r = walk(x, c[k]);
        if (r !== DROP) out[k] = r;
      }
      return out;
    }
    return v;
  };
  return walk(incoming, current);
}
