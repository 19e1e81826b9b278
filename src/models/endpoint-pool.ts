import { AppError, isAppError } from '../errors.js';
import { Semaphore } from '../util/semaphore.js';
import { Capacity, type CapacitySource } from './capacity.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { CapacityReport } from './types.js';

/** What a pool needs from its owner (the executor). */
export interface PoolDeps {
  /** The circuit breaker of a member endpoint (shared with every other use of that endpoint). */
  breaker(endpoint: string): CircuitBreaker;
  /** The server's capacity report for a member; bounded by the probe timeout, never by a caller's signal. */
  discover(endpoint: string): Promise<CapacityReport | undefined>;
  /** Capacity set in config for a member, if any. */
  configured(endpoint: string): number | undefined;
  /** Things worth saying once (a member unreachable, a capacity endpoint that failed). */
  note?(message: string): void;
}

/** One member as `health`, `models` and library users see it. */
export interface MemberStatus {
  endpoint: string;
  capacity: number;
  source: CapacitySource;
  detail: string;
  /** Our requests in flight on it now. */
  inFlight: number;
  served: number;
  failed: number;
  /** up; ejected = its breaker is open (retried after the cooldown); trial = one request is testing it. */
  state: 'up' | 'ejected' | 'trial';
  /** What the server reported at discovery. */
  running?: number;
  waiting?: number;
}

/** A member taken for one attempt. */
export interface Lease {
  endpoint: string;
  /** The first byte of the answer arrived. */
  heard(): void;
  /** The attempt ended; `ok` false for a failure that says something about the endpoint. */
  done(ok: boolean): void;
}

interface Member {
  endpoint: string;
  cap: Capacity;
  inFlight: number;
  served: number;
  failed: number;
  report?: CapacityReport;
}

/**
 * One model served by several endpoints. A request waits (FIFO, in the one semaphore) until the
 * pool has a free slot — the sum of the capacities of members not ejected — and then goes to the
 * member with the fewest outstanding requests relative to its capacity. Capacities come from
 * config, from the server (discovered once per pool, when first used; until a member's report is in it
 * counts as one slot), or are learned (capacity.ts).
 * A member whose breaker is open is skipped until its cooldown ends; one found unreachable at
 * discovery is ejected before any request is sent to it.
 */
export class EndpointPool {
  private readonly members: Member[];
  private readonly slots = new Semaphore(1);
  private turn = 0;

  constructor(
    readonly alias: string,
    endpoints: readonly string[],
    private readonly deps: PoolDeps,
  ) {
    this.members = endpoints.map((endpoint) => {
      const n = deps.configured(endpoint);
      const cap = new Capacity(
        n !== undefined
          ? { value: n, source: 'config', detail: 'set in config' }
          : { value: 1, source: 'learned', detail: 'not discovered yet' },
      );
      return { endpoint, cap, inFlight: 0, served: 0, failed: 0 };
    });
    // Requests do not wait for discovery: until a member's report is in, it counts as one slot.
    for (const m of this.members) void this.discover(m).then(() => this.resize());
  }

  private async discover(m: Member): Promise<void> {
    try {
      m.report = await this.deps.discover(m.endpoint);
      m.cap.fromServer(m.report);
    } catch (e) {
      const msg = (e as Error).message;
      if (isAppError(e) && e.code === 'PROVIDER_UNREACHABLE') {
        this.deps.breaker(m.endpoint).trip(`unreachable when the pool started (${msg})`);
        m.cap.unknown('unreachable');
        this.deps.note?.(`${m.endpoint} is unreachable; its pool works with the other endpoints`);
        return;
      }
      m.cap.unknown(`capacity endpoint failed (${msg})`);
    }
  }

  /** The pool's slots: the capacities of members that are not ejected (at least one). */
  private resize(): void {
    const open = (m: Member) => this.deps.breaker(m.endpoint).state === 'open';
    const total = this.members.filter((m) => !open(m)).reduce((n, m) => n + m.cap.value, 0);
    const limit = Math.max(1, total);
    if (this.slots.limit !== limit) this.slots.limit = limit;
  }

  /** Our requests in flight on a member. */
  inFlight(endpoint: string): number {
    return this.members.find((m) => m.endpoint === endpoint)?.inFlight ?? 0;
  }

  /** Whether a member outside `avoid` could take a request now (for failover decisions). */
  hasOther(avoid: ReadonlySet<string>): boolean {
    return this.members.some((m) => !avoid.has(m.endpoint) && this.deps.breaker(m.endpoint).state !== 'open');
  }

  /** Waits for a slot and takes the least loaded member, avoiding `avoid` (members that failed this request). */
  async acquire(signal: AbortSignal | undefined, avoid: ReadonlySet<string>): Promise<Lease> {
    this.resize();
    await this.slots.acquire(signal);
    let m: Member;
    try {
      m = this.pick(avoid);
    } catch (e) {
      this.slots.release();
      throw e;
    }
    m.inFlight += 1;
    const concurrency = m.inFlight;
    const sent = performance.now();
    let firstMs: number | undefined;
    let ended = false;
    return {
      endpoint: m.endpoint,
      heard: () => void (firstMs ??= performance.now() - sent),
      done: (ok) => {
        if (ended) return;
        ended = true;
        m.inFlight -= 1;
        if (ok) {
          m.served += 1;
          const demand = this.slots.waiting > 0;
          m.cap.observe(firstMs ?? performance.now() - sent, concurrency, demand);
        } else m.failed += 1;
        this.slots.release();
        this.resize();
      },
    };
  }

  private pick(avoid: ReadonlySet<string>): Member {
    const start = this.turn++;
    const n = this.members.length;
    // Least outstanding relative to capacity; ties go round-robin so idle members share the work.
    const order = this.members
      .map((m, i) => ({ m, rot: (i - (start % n) + n) % n }))
      .sort((a, b) => a.m.inFlight / a.m.cap.value - b.m.inFlight / b.m.cap.value || a.rot - b.rot)
      .map((x) => x.m);
    for (const pass of [false, true]) {
      for (const m of order) {
        if (!pass && avoid.has(m.endpoint)) continue;
        const b = this.deps.breaker(m.endpoint);
        if (b.state === 'open') continue;
        try {
          b.enter(); // a half-open member lets one trial through
          return m;
        } catch {
          /* its trial is in flight: next member */
        }
      }
    }
    throw new AppError('CIRCUIT_OPEN', `every endpoint of ${this.alias} is failing (${n} ejected)`, {
      hint: 'they are tried again after their cooldown; check them with `task-master-local health`',
      details: { endpoints: this.members.map((m) => m.endpoint) },
    });
  }

  /** Each member's capacity, where it came from, and its load. */
  status(): MemberStatus[] {
    return this.members.map((m) => {
      const b = this.deps.breaker(m.endpoint).state;
      const s: MemberStatus = {
        endpoint: m.endpoint,
        capacity: m.cap.value,
        source: m.cap.source,
        detail: m.cap.detail,
        inFlight: m.inFlight,
        served: m.served,
        failed: m.failed,
        state: b === 'open' ? 'ejected' : b === 'half-open' ? 'trial' : 'up',
      };
      if (m.report?.running !== undefined) s.running = m.report.running;
      if (m.report?.waiting !== undefined) s.waiting = m.report.waiting;
      return s;
    });
  }
}
