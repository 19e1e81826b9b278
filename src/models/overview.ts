import type { EffectiveRoles, ModelCatalog, ServerStatus } from './catalog.js';
import type { PoolView } from './pools.js';
import type { ModelRef, ProviderKind } from './types.js';
import { ValidationError } from '../errors.js';
import type { ConfigChanges } from './config-manager.js';
import { ROLES, type ModelEntry, type ResolvedConfig, type Role } from '../config/schema.js';

/** What `models` reads from the catalog; the real ModelCatalog fits. */
export type CatalogView = Pick<ModelCatalog, 'servers' | 'refs' | 'effectiveRoles' | 'resolve'> &
  Partial<Pick<ModelCatalog, 'pools'>>;

/** One role as shown: the model, where it runs, and whether it is saved or only a default. */
export interface RoleView {
  source: 'configured' | 'default' | 'none';
  alias?: string;
  provider?: ProviderKind;
  model?: string;
  endpoint?: string;
  local?: boolean;
  maxTokens?: number;
  temperature?: number;
  /** Why a configured role cannot be used (unsupported provider, forbidden by the mode, …). */
  note?: string;
}

/** One discovered model. */
export interface ModelView {
  alias: string;
  provider: ProviderKind;
  model: string;
  endpoint: string;
  sizeBytes?: number;
  contextLength?: number;
  parameterSize?: string;
  /** Task types routing may use it for; empty for embedding models. */
  capabilities: string[];
  embedding: boolean;
  tier?: string;
  local: boolean;
}

/** One probed server. */
export interface ServerView {
  kind: ProviderKind;
  endpoint: string;
  local: boolean;
  ok: boolean;
  models: number;
  error?: string;
  hint?: string;
  skipped?: string;
}

/** Everything `models` shows, and exactly what `models --json` prints. */
export interface ModelsOverview {
  configPath: string;
  configExists: boolean;
  mode: { value: string; source: string };
  roles: Record<Role | 'embeddings', RoleView>;
  servers: ServerView[];
  models: ModelView[];
  aliases: Record<string, ModelEntry>;
  /** Models served by several endpoints: each endpoint's capacity (and where it came from) and load. */
  pools: PoolView[];
  warnings: string[];
}

function roleView(s: EffectiveRoles[keyof EffectiveRoles]): RoleView {
  const r = s.ref;
  const v: RoleView = { source: s.source };
  if (r) {
    Object.assign(v, { alias: r.alias, provider: r.provider, model: r.model, local: r.local });
    if (r.endpoint) v.endpoint = r.endpoint;
    if (r.maxTokens !== undefined) v.maxTokens = r.maxTokens;
    if (r.temperature !== undefined) v.temperature = r.temperature;
  }
  if (s.skipped) v.note = s.skipped;
  return v;
}

const sameServer = (r: ModelRef, s: ServerStatus, model: string) =>
  // Embedded (llama-cpp) refs have no endpoint: the file path in `model` identifies them.
  r.provider === s.kind &&
  (r.provider === 'llama-cpp' || (r.endpoint ?? '') === s.endpoint || !!r.endpoints?.includes(s.endpoint)) &&
  r.model === model;

/** Probes every server once and assembles roles, mode, servers and models for display. */
export async function buildModelsOverview(
  config: ResolvedConfig,
  catalog: CatalogView,
  signal?: AbortSignal,
): Promise<ModelsOverview> {
  const [servers, refs, roles, pools] = await Promise.all([
    catalog.servers(signal),
    catalog.refs(signal),
    catalog.effectiveRoles(signal),
    catalog.pools?.(signal) ?? [],
  ]);
  const models: ModelView[] = [];
  for (const s of servers) {
    for (const d of s.models) {
      const ref = refs.find((r) => sameServer(r, s, d.model));
      const m: ModelView = {
        alias: ref?.alias ?? d.model,
        provider: s.kind,
        model: d.model,
        endpoint: s.endpoint,
        capabilities: ref?.capabilities ?? [],
        embedding: Boolean(ref?.embedding ?? d.embedding),
        local: ref?.local ?? s.local,
      };
      if (d.sizeBytes !== undefined) m.sizeBytes = d.sizeBytes;
      const ctx = d.contextLength ?? ref?.contextLength;
      if (ctx !== undefined) m.contextLength = ctx;
      if (d.parameterSize) m.parameterSize = d.parameterSize;
      if (ref?.tier) m.tier = ref.tier;
      models.push(m);
    }
  }
  return {
    configPath: config.configPath,
    configExists: config.fileExists,
    mode: { value: config.local.mode, source: config.sources.mode ?? 'default' },
    roles: {
      main: roleView(roles.main),
      research: roleView(roles.research),
      fallback: roleView(roles.fallback),
      embeddings: roleView(roles.embeddings),
    },
    servers: servers.map((s) => {
      const v: ServerView = { kind: s.kind, endpoint: s.endpoint, local: s.local, ok: s.ok, models: s.models.length };
      if (s.error) v.error = s.error;
      if (s.hint) v.hint = s.hint;
      if (s.skipped) v.skipped = s.skipped;
      return v;
    }),
    models,
    aliases: config.local.registry,
    pools,
    warnings: [...config.warnings],
  };
}

/** Resolves `--set-main/--set-research/--set-fallback` ids through the catalog before anything is written. */
export async function resolveRoleIds(
  catalog: Pick<CatalogView, 'resolve'>,
  ids: Partial<Record<Role, string>>,
  signal?: AbortSignal,
): Promise<NonNullable<ConfigChanges['roles']>> {
  const out: NonNullable<ConfigChanges['roles']> = {};
  for (const role of ROLES) {
    const id = ids[role];
    if (id === undefined) continue;
    if (!id.trim()) throw new ValidationError(`--set-${role} needs a model id`, { hint: 'e.g. --set-main llama3.2' });
    out[role] = await catalog.resolve(id, signal);
  }
  return out;
}
