import type { LocalSection } from '../config/schema.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { isAppError } from '../errors.js';
import { Capacity, type CapacitySource } from './capacity.js';
import { probeSignal } from './deadline.js';
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
  return provider.capacity?.(model, probeSignal({ probeMs }));
}

/** One pool member as `models` and `health` show it (outside a run: the server's own load). */
export interface MemberView {
  endpoint: string;
  capacity: number;
  source: CapacitySource;
  detail: string;
  state: 'up' | 'unreachable';
  /** The server's load as it reports it (llama.cpp busy slots, vLLM running/waiting). */
  running?: number;
  waiting?: number;
  error?: string;
}

/**
 * Asks every member of a pool what it says about its capacity and load (in parallel, within the
 * probe timeout each), as a run would start: config first, then the server's word, else learned.
 */
export async function describeMembers(
  model: string,
  endpoints: readonly string[],
  o: {
    provider: (endpoint: string) => Promise<ModelProvider>;
    configured: (endpoint: string) => number | undefined;
    probeMs: number;
    /** Why a member must not be contacted (LOCAL_ONLY and not local); undefined when it may. */
    refused?: (endpoint: string) => string | undefined;
  },
): Promise<MemberView[]> {
  return Promise.all(
    endpoints.map(async (endpoint): Promise<MemberView> => {
      const n = o.configured(endpoint);
      const no = o.refused?.(endpoint);
      if (no)
        return {
          endpoint,
          capacity: n ?? 1,
          source: n ? 'config' : 'learned',
          detail: no,
          state: 'unreachable',
          error: no,
        };
      const cap = new Capacity(
        n !== undefined
          ? { value: n, source: 'config', detail: 'set in config' }
          : { value: 1, source: 'learned', detail: '' },
      );
      let report: CapacityReport | undefined;
      try {
        report = await discoverCapacity(await o.provider(endpoint), model, o.probeMs);
        cap.fromServer(report);
      } catch (e) {
        const msg = (e as Error).message;
        const down =
          isAppError(e) && (e.code === 'PROVIDER_UNREACHABLE' || e.code === 'TIMEOUT' || e.name === 'TimeoutError');
        if (down) cap.unknown('unreachable');
        else cap.unknown(`capacity endpoint failed (${msg})`);
        if (down)
          return {
            endpoint,
            capacity: cap.value,
            source: cap.source,
            detail: cap.detail,
            state: 'unreachable',
            error: msg,
          };
      }
      const v: MemberView = { endpoint, capacity: cap.value, source: cap.source, detail: cap.detail, state: 'up' };
      if (report?.running !== undefined) v.running = report.running;
      if (report?.waiting !== undefined) v.waiting = report.waiting;
      return v;
    }),
  );
}

/** One pooled model with its members, as `models` shows it. */
export interface PoolView {
  alias: string;
  provider: string;
  model: string;
  members: MemberView[];
}

/** Every pooled ref (several endpoints) described member by member. */
export function describePools(
  refs: readonly ModelRef[],
  o: {
    providers: ProviderPool;
    local: LocalSection;
    refused?: (endpoint: string) => string | undefined;
  },
): Promise<PoolView[]> {
  const pooled = refs.filter((r) => (r.endpoints?.length ?? 0) > 1);
  return Promise.all(
    pooled.map(async (r) => ({
      alias: r.alias,
      provider: r.provider,
      model: r.model,
      members: await describeMembers(r.model, r.endpoints!, {
        provider: (ep) => o.providers.get(r.provider, ep),
        configured: configuredCapacity(r, o.local),
        probeMs: o.local.timeouts.probeMs,
        ...(o.refused ? { refused: o.refused } : {}),
      }),
    })),
  );
}

/** "capacity 4 (llama.cpp /props: 4 slots), load 1 running / 0 waiting" */
export function memberLine(m: MemberView): string {
  if (m.state === 'unreachable') return `unreachable (${m.error ?? 'no answer'})`;
  const load =
    m.running === undefined
      ? 'load not reported'
      : `load ${m.running} running${m.waiting !== undefined ? ` / ${m.waiting} waiting` : ''}`;
  return `capacity ${m.capacity} (${m.source}: ${m.detail}), ${load}`;
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
