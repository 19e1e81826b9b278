import type { LocalSection } from '../config/schema.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { EndpointPool, type MemberStatus } from './endpoint-pool.js';
import type { ProviderPool } from './provider-pool.js';
import type { CapacityReport, ModelProvider, ModelRef } from './types.js';

/** One pooled model as `health`, `models` and library users see it. */
export interface PoolStatus {
  alias: string;
  provider: string;
  model: string;
  members: MemberStatus[];
}

/** Capacity a config sets for an endpoint: the model's own `capacity`, else local.capacity by URL. */
export function configuredCapacity(ref: Pick<ModelRef, 'capacity'>, local: Pick<LocalSection, 'capacity'>) {
  const byUrl = new Map(Object.entries(local.capacity).map(([u, n]) => [u.replace(/\/+$/, ''), n]));
  return (endpoint: string): number | undefined => ref.capacity ?? byUrl.get(endpoint.replace(/\/+$/, ''));
}

/** The server's capacity report for a model on one endpoint, within the probe timeout. */
export async function discoverCapacity(
  provider: ModelProvider,
  model: string,
  probeMs: number,
): Promise<CapacityReport | undefined> {
  return provider.capacity?.(model, AbortSignal.timeout(probeMs));
}

/**
 * The pools of one model API (one per pooled model, created on first use, so capacity discovery
 * happens once per API instance and is never bound to one caller's signal).
 */
export class Pools {
  private readonly pools = new Map<string, { ref: ModelRef; pool: EndpointPool }>();

  constructor(
    private readonly o: {
      providers: ProviderPool;
      local: LocalSection;
      breaker: (endpoint: string) => CircuitBreaker;
      note?: (message: string) => void;
    },
  ) {}

  /** The pool of a ref that lists several endpoints; undefined for a single endpoint. */
  get(ref: ModelRef): EndpointPool | undefined {
    if (!ref.endpoints || ref.endpoints.length < 2) return undefined;
    const k = `${ref.provider}|${ref.model}|${ref.endpoints.join(' ')}`;
    let entry = this.pools.get(k);
    if (!entry) {
      const pool = new EndpointPool(ref.alias, ref.endpoints, {
        breaker: this.o.breaker,
        configured: configuredCapacity(ref, this.o.local),
        discover: async (ep) =>
          discoverCapacity(await this.o.providers.get(ref.provider, ep), ref.model, this.o.local.timeouts.probeMs),
        ...(this.o.note ? { note: this.o.note } : {}),
      });
      this.pools.set(k, (entry = { ref, pool }));
    }
    return entry.pool;
  }

  /** Every pool used so far, with each member's capacity and load. */
  status(): PoolStatus[] {
    return [...this.pools.values()].map(({ ref, pool }) => ({
      alias: ref.alias,
      provider: ref.provider,
      model: ref.model,
      members: pool.status(),
    }));
  }
}
