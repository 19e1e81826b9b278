/**
 * health's pool checks: every model served by several endpoints (a `local.servers` entry listing
 * several URLs, or a registry entry with `endpoints`), each endpoint with its capacity — set in
 * config, stated by the server, or to be learned — and its load as the server reports it.
 */
import { isLocalUrl } from '../config/hosts.js';
import { serverUrls, type ResolvedConfig } from '../config/schema.js';
import { createProvider } from '../models/providers/index.js';
import { configuredCapacity, describeMembers, memberLine, type MemberView } from '../models/pools.js';
import type { ProviderKind } from '../models/types.js';
import type { HealthCheck } from './health-calls.js';
import type { ServerProbe } from './probes.js';

/** A pool check: the usual fields plus each endpoint (health --json). */
export type PoolCheck = HealthCheck & { endpoints: MemberView[] };

interface PoolDef {
  name: string;
  kind: ProviderKind;
  urls: string[];
  model?: string;
  capacity?: number;
}

const norm = (u: string) => u.replace(/\/+$/, '');

function poolDefs(config: ResolvedConfig): PoolDef[] {
  const out: PoolDef[] = [];
  const add = (name: string, kind: ProviderKind, urls: string[], model?: string, capacity?: number) => {
    const unique = [...new Set(urls.map(norm))];
    if (unique.length > 1)
      out.push({ name, kind, urls: unique, ...(model ? { model } : {}), ...(capacity ? { capacity } : {}) });
  };
  const s = config.local.servers;
  for (const k of ['ollama', 'lmstudio', 'localai'] as const) add(`local.servers.${k}`, k, serverUrls(s[k]));
  s.openaiCompatible.forEach((v, i) => add(`local.servers.openaiCompatible[${i}]`, 'openai-compatible', serverUrls(v)));
  for (const [alias, e] of Object.entries(config.local.registry))
    if (e.endpoints) add(alias, e.provider, e.endpoints, e.model, e.capacity);
  return out;
}

/** One check per pool; an unreachable member is a warning (the pool works with the others), all down a failure. */
export async function poolChecks(
  config: ResolvedConfig,
  probes: ReadonlyMap<string, ServerProbe>,
  o: { fetch?: typeof fetch } = {},
): Promise<PoolCheck[]> {
  const refused = (ep: string) =>
    config.local.mode === 'LOCAL_ONLY' && !isLocalUrl(ep, config.local.trustedHosts)
      ? 'not a local host; LOCAL_ONLY never contacts it'
      : undefined;
  return Promise.all(
    poolDefs(config).map(async (p): Promise<PoolCheck> => {
      const model = p.model ?? p.urls.flatMap((u) => probes.get(u)?.models ?? []).find((m) => !m.embedding)?.name ?? '';
      const members = await describeMembers(model, p.urls, {
        provider: async (ep) => createProvider(p.kind, { endpoint: ep, ...(o.fetch ? { fetch: o.fetch } : {}) }),
        configured: configuredCapacity({ ...(p.capacity ? { capacity: p.capacity } : {}) }, config.local),
        probeMs: config.local.timeouts.probeMs,
        refused,
      });
      const down = members.filter((m) => m.state === 'unreachable');
      const up = members.length - down.length;
      const slots = members.filter((m) => m.state === 'up').reduce((n, m) => n + m.capacity, 0);
      const head = `${model || '(no model found)'} on ${members.length} endpoints, ${up} up, ${slots} slot(s) in all`;
      return {
        name: `pool ${p.name}`,
        status: up === 0 ? 'fail' : down.length ? 'warn' : 'pass',
        detail: [head, ...members.map((m) => `${m.endpoint}  ${memberLine(m)}`)].join('\n'),
        ...(down.length
          ? {
              hint:
                up === 0
                  ? `no endpoint of ${p.name} answers; start the servers`
                  : `the pool works with the other ${up}; start ${down.map((m) => m.endpoint).join(', ')} or remove it from ${p.name}`,
            }
          : {}),
        endpoints: members,
      };
    }),
  );
}
