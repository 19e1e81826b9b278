import { fromTaskMasterOllamaURL } from '../config/hosts.js';
import { ROLES, serverUrls, type ResolvedConfig, type Role } from '../config/schema.js';
import { EXTERNAL_PROVIDER_KINDS, type ProviderKind } from '../models/types.js';
import type { WireKind } from './probes.js';

/** A server health will probe. */
export interface ServerTarget {
  provider: string;
  kind: WireKind;
  endpoint: string;
  /** A role, a registry entry or config.json points at it (or it is the default); unreachable is then a failure. */
  expected: boolean;
}

/** A role (or the default chat model) as health checks it. */
export interface RoleTarget {
  role: Role | 'embeddings';
  provider: string;
  model: string;
  endpoint?: string;
  external: boolean;
}

const WIRE: Record<string, WireKind | undefined> = {
  ollama: 'ollama',
  lmstudio: 'openai',
  localai: 'openai',
  'openai-compatible': 'openai',
};
const norm = (u: string) => u.replace(/\/+$/, '');

/** Where a provider's server is when no endpoint is given. */
export function defaultEndpoint(config: ResolvedConfig, provider: string): string | undefined {
  const s = config.local.servers;
  if (provider === 'ollama') return serverUrls(s.ollama)[0];
  if (provider === 'lmstudio') return serverUrls(s.lmstudio)[0];
  if (provider === 'localai') return serverUrls(s.localai)[0];
  if (provider === 'openai-compatible') return serverUrls(s.openaiCompatible[0])[0];
  return undefined;
}

/** Configured roles, with registry aliases resolved to provider, model and endpoint. */
export function roleTargets(config: ResolvedConfig): RoleTarget[] {
  const out: RoleTarget[] = [];
  for (const role of ROLES) {
    const r = config.roles[role];
    if (!r) continue;
    const alias = config.local.registry[r.modelId];
    const provider = alias?.provider ?? r.provider;
    const model = alias?.model ?? r.modelId;
    let endpoint = alias?.endpoint ?? r.baseURL;
    if (endpoint && provider === 'ollama') endpoint = fromTaskMasterOllamaURL(endpoint);
    endpoint = endpoint ? norm(endpoint) : defaultEndpoint(config, provider);
    out.push({ role, provider, model, endpoint, external: EXTERNAL_PROVIDER_KINDS.includes(provider as ProviderKind) });
  }
  return out;
}

/** Every configured or known local server, deduplicated by address. */
export function serverTargets(config: ResolvedConfig): ServerTarget[] {
  const map = new Map<string, ServerTarget>();
  const add = (provider: string, endpoint: string | undefined, expected: boolean) => {
    const kind = WIRE[provider];
    if (!kind || !endpoint) return;
    const key = norm(endpoint);
    const cur = map.get(key);
    if (cur) cur.expected ||= expected;
    else map.set(key, { provider, kind, endpoint: key, expected });
  };
  const roles = roleTargets(config);
  const fileServers = ((config.raw.local as { servers?: Record<string, unknown> } | undefined)?.servers ??
    {}) as Record<string, unknown>;
  // With no roles, Ollama is the default place models come from, so its absence matters.
  // A pool is several servers: each member is probed.
  for (const u of serverUrls(config.local.servers.ollama))
    add('ollama', u, roles.length === 0 || 'ollama' in fileServers);
  for (const p of ['lmstudio', 'localai'] as const) {
    if (config.local.discover.includes(p) || p in fileServers)
      for (const u of serverUrls(config.local.servers[p])) add(p, u, p in fileServers);
  }
  for (const u of config.local.servers.openaiCompatible.flatMap(serverUrls)) add('openai-compatible', u, true);
  for (const e of Object.values(config.local.registry)) {
    const urls = e.endpoints ?? [e.endpoint ?? defaultEndpoint(config, e.provider)];
    for (const u of urls) add(e.provider, u, true);
  }
  for (const r of roles) if (!r.external) add(r.provider, r.endpoint, true);
  return [...map.values()];
}
