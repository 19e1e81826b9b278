import { hostOf, isLocalUrl } from '../config/hosts.js';
import type { LocalSection, ResolvedConfig } from '../config/schema.js';
import { AppError } from '../errors.js';
import { privacyOf } from './catalog.js';
import { probeSignal } from './deadline.js';
import { assertAllowed, isLocalKind, type PrivacyContext } from './privacy.js';
import { defaultProviderFactory, ProviderPool, type ProviderFactory } from './provider-pool.js';
import type { LoadState, ModelRef, ProviderHealth, ProviderKind, PullProgress } from './types.js';

/** A server health probes: a (kind, endpoint) pair. */
export interface ServerRef {
  kind: ProviderKind;
  endpoint: string;
}

/** A probe result; `skipped` when the mode forbids contacting the server (nothing was sent). */
export interface ServerProbe extends ProviderHealth {
  skipped?: string;
}

/**
 * Everything the tool sends to a model server besides model calls — health probes, load state,
 * pulls, preloads — through the same providers the runs use (one wire client per server kind),
 * under the same privacy guard: in LOCAL_ONLY a server that is not local is never contacted.
 */
export class ServerAccess {
  constructor(
    private readonly pool: ProviderPool,
    private readonly privacy: PrivacyContext,
    private readonly local: Pick<LocalSection, 'timeouts'>,
  ) {}

  /** Server access from a configuration alone (health, recovery), with its own provider pool. */
  static fromConfig(config: ResolvedConfig, o: { env?: NodeJS.ProcessEnv; factory?: ProviderFactory } = {}) {
    const pool = new ProviderPool(o.factory ?? defaultProviderFactory(config.local, o.env));
    return new ServerAccess(pool, privacyOf(config), config.local);
  }

  /** A pseudo model ref for the privacy guard: local only for a local server kind on a local host. */
  private guardRef(s: ServerRef): ModelRef {
    return {
      alias: `${s.kind} server`,
      provider: s.kind,
      model: '',
      endpoint: s.endpoint,
      capabilities: [],
      local: isLocalKind(s.kind) && (s.kind === 'llama-cpp' || isLocalUrl(s.endpoint, this.privacy.trustedHosts)),
    };
  }

  /** Throws PRIVACY_REFUSED when the mode forbids contacting this server. */
  assertReachable(s: ServerRef): void {
    if (s.kind === 'llama-cpp') return;
    assertAllowed(this.guardRef(s), this.privacy);
  }

  /** Liveness, version and models of a server, within `timeoutMs` (default local.timeouts.probeMs). Never throws. */
  async probe(s: ServerRef, o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ServerProbe> {
    try {
      this.assertReachable(s);
    } catch (e) {
      return {
        ok: false,
        endpoint: s.endpoint,
        latencyMs: 0,
        skipped: (e as AppError).message,
        error: `not a local server; mode ${this.privacy.mode} never contacts it`,
        hint: `add ${hostOf(s.endpoint)} to local.trustedHosts if the server is yours, or point ${s.kind} at a local address`,
      };
    }
    const signal = this.deadline(o.timeoutMs, o.signal);
    try {
      const p = await this.pool.get(s.kind, s.endpoint);
      return await p.health(signal);
    } catch (e) {
      // Only building the provider can throw here (a bad endpoint, a missing key).
      const err = e as AppError;
      return { ok: false, endpoint: s.endpoint, latencyMs: 0, state: 'error', error: err.message, hint: err.hint };
    }
  }

  /** Models in memory and loads in progress; undefined when the server cannot tell. */
  async loadState(s: ServerRef, o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<LoadState | undefined> {
    this.assertReachable(s);
    const p = await this.pool.get(s.kind, s.endpoint);
    return p.loadState?.(this.deadline(o.timeoutMs, o.signal));
  }

  /** Downloads a model onto the server (Ollama only); progress lines go to onProgress. */
  async pull(s: ServerRef, model: string, onProgress?: (p: PullProgress) => void, signal?: AbortSignal): Promise<void> {
    this.assertReachable(s);
    const p = await this.pool.get(s.kind, s.endpoint);
    if (!p.pull) {
      throw new AppError('VALIDATION', `${s.kind} servers cannot pull models`, {
        hint: 'download the model with the server’s own tools',
      });
    }
    await p.pull(model, onProgress, signal);
  }

  /** Loads a model into memory, allowed local.timeouts.requestMs (a cold load can take minutes). */
  async preload(s: ServerRef, model: string, signal?: AbortSignal): Promise<boolean> {
    this.assertReachable(s);
    const p = await this.pool.get(s.kind, s.endpoint);
    if (!p.preload) return false;
    await p.preload(model, this.deadline(this.local.timeouts.requestMs, signal));
    return true;
  }

  private deadline(ms: number | undefined, signal: AbortSignal | undefined): AbortSignal {
    return probeSignal(this.local.timeouts, { ...(ms !== undefined ? { ms } : {}), ...(signal ? { signal } : {}) });
  }
}
