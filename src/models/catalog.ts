import { AppError, ProviderError } from '../errors.js';
import { fromTaskMasterOllamaURL, isLocalUrl } from '../config/hosts.js';
import { serverUrls, type ResolvedConfig, type Role, type RoleConfig, type ServerUrls } from '../config/schema.js';
import { ModelConfigFactory, defaultAlias, looksLikeEmbedding, poolEndpoints } from './config-factory.js';
import { isLocalKind, modeAllows, whyNotLocal, type PrivacyContext } from './privacy.js';
import type { ProviderPool } from './provider-pool.js';
import { refKey } from './routing.js';
import { PROVIDER_KINDS, TASK_TYPES, type DiscoveredModel, type ModelRef, type ProviderKind } from './types.js';
import { closeMatches, ollamaEndpointOf, privacyOf, serverFor } from './catalog-util.js';
import { serverHint, waitFor, warnUnreachableMembers } from './catalog-util.js';

export { privacyOf, waitFor } from './catalog-util.js';
import { probeWithSecondLook } from './deadline.js';
import { embeddedServerStatus } from './embedded/discover.js';
import { describePools, type PoolView } from './pools.js';

/** A server discovery probes. */
export interface ServerTarget {
  kind: ProviderKind;
  endpoint: string;
  local: boolean;
  /** The config entry listing this server with others (a pool), e.g. `local.servers.ollama`. */
  pool?: string;
}

/** What one probe found. */
export interface ServerStatus extends ServerTarget {
  ok: boolean;
  models: DiscoveredModel[];
  error?: string;
  hint?: string;
  /** Set when the probe was not made (e.g. a remote host in LOCAL_ONLY). */
  skipped?: string;
}

/** One effective role: what routing uses, and whether the user set it or it was defaulted. */
export interface RoleStatus {
  ref?: ModelRef;
  source: 'configured' | 'default' | 'none';
  /** Why a configured role is not used (unsupported provider, forbidden by the mode). */
  skipped?: string;
  /** The configured role is skipped because the mode forbids it (a privacy refusal, not a missing server). */
  forbidden?: boolean;
}

export type EffectiveRoles = Record<Role | 'embeddings', RoleStatus>;

export interface CatalogOptions {
  config: ResolvedConfig;
  pool: ProviderPool;
  /** Refs added by hand (library users, tests); treated like registry entries. */
  extraRefs?: ModelRef[];
  /** num_ctx cap for discovered models, to save memory (configured registry values are kept). */
  contextCap?: number;
  /** Environment for embedded-model discovery (OLLAMA_MODELS, HOME). */
  env?: NodeJS.ProcessEnv;
}

const LOCAL_KINDS: readonly ProviderKind[] = ['ollama', 'lmstudio', 'localai', 'openai-compatible'];

/** Turns config (roles, registry, servers) plus discovery into ModelRefs and effective roles. */
export class ModelCatalog {
  private readonly config: ResolvedConfig;
  private readonly privacy: PrivacyContext;
  private statusPromise: Promise<ServerStatus[]> | undefined;
  private refsPromise: Promise<ModelRef[]> | undefined;
  private poolsPromise: Promise<PoolView[]> | undefined;

  constructor(private readonly opts: CatalogOptions) {
    this.config = opts.config;
    this.privacy = privacyOf(opts.config);
  }

  /** Servers to probe: the discover list, extra OpenAI-compatible servers, and role/registry endpoints. */
  targets(): ServerTarget[] {
    const { local, roles } = this.config;
    const out = new Map<string, ServerTarget>();
    const add = (kind: ProviderKind, endpoint: string | undefined, pool?: string) => {
      if (!endpoint || !LOCAL_KINDS.includes(kind)) return;
      const ep = endpoint.replace(/\/+$/, '');
      const cur = out.get(`${kind}|${ep}`);
      if (cur) return void (pool && !cur.pool && (cur.pool = pool));
      out.set(`${kind}|${ep}`, {
        kind,
        endpoint: ep,
        local: isLocalUrl(ep, local.trustedHosts),
        ...(pool ? { pool } : {}),
      });
    };
    // An entry listing several URLs is a pool: the same models on each, used as one.
    const addEntry = (kind: ProviderKind, v: ServerUrls, where: string) => {
      const urls = serverUrls(v).map((u) => u.replace(/\/+$/, ''));
      const unique = [...new Set(urls)];
      const twice = [...new Set(urls.filter((u, i) => urls.indexOf(u) !== i))];
      if (twice.length) this.warnOnce(`${where} lists ${twice.join(', ')} more than once; each endpoint is used once`);
      for (const u of unique) add(kind, u, unique.length > 1 ? where : undefined);
    };
    for (const k of local.discover) addEntry(k, local.servers[k], `local.servers.${k}`);
    local.servers.openaiCompatible.forEach((v, i) =>
      addEntry('openai-compatible', v, `local.servers.openaiCompatible[${i}]`),
    );
    for (const r of Object.values(roles)) {
      const ref = this.roleRef(r);
      if (ref.ref) add(ref.ref.provider, ref.ref.endpoint);
    }
    for (const e of Object.values(local.registry)) for (const u of e.endpoints ?? [e.endpoint]) add(e.provider, u);
    return [...out.values()];
  }

  /** A warning said once per configuration, however often it is found. */
  private warnOnce(w: string): void {
    if (!this.config.warnings.includes(w)) this.config.warnings.push(w);
  }

  /**
   * Probes every target in parallel (probe timeout each); remote hosts are skipped in LOCAL_ONLY.
   * The result is this catalog's to share, so no caller's AbortSignal is bound to it: probes are
   * bounded by the probe timeout only, and a caller's signal just stops that caller waiting.
   */
  servers(signal?: AbortSignal): Promise<ServerStatus[]> {
    this.statusPromise ??= Promise.all(this.targets().map((t) => this.probe(t))).then((s) => [
      ...s,
      // GGUF files in local.modelDirs and Ollama's blob store: local models that need no server.
      ...embeddedServerStatus(this.config.local, this.config.projectRoot, this.opts.env),
    ]);
    return waitFor(this.statusPromise, signal);
  }

  private async probe(t: ServerTarget): Promise<ServerStatus> {
    if (this.privacy.mode === 'LOCAL_ONLY' && !t.local) {
      return { ...t, ok: false, models: [], skipped: `not local, mode LOCAL_ONLY (set by ${this.privacy.modeSource})` };
    }
    try {
      // The clock starts once the provider is built, so a slow first import never eats the probe budget.
      const prov = await this.opts.pool.get(t.kind, t.endpoint);
      const models = await probeWithSecondLook(
        this.config.local.timeouts,
        (signal) => prov.listModels(signal),
        (ms) =>
          new ProviderError('TIMEOUT', `${t.kind} at ${t.endpoint} did not list its models within ${ms} ms`, {
            hint: `the server accepts connections but does not answer: restart it, or raise local.timeouts.probeMs on a busy machine`,
          }),
      );
      return { ...t, ok: true, models };
    } catch (e) {
      const err = e as AppError;
      return { ...t, ok: false, models: [], error: err.message, hint: err.hint ?? serverHint(t.kind, t.endpoint) };
    }
  }

  /** Forgets what discovery found (after `ollama pull`, a server restart, or between tests). */
  refresh(): void {
    this.statusPromise = undefined;
    this.refsPromise = undefined;
    this.poolsPromise = undefined;
  }

  /** Each pooled model with every endpoint's capacity and load, asked once per catalog (no caller's signal bound). */
  pools(signal?: AbortSignal): Promise<PoolView[]> {
    const { local } = this.config;
    const refused = (ep: string) =>
      this.privacy.mode === 'LOCAL_ONLY' && !isLocalUrl(ep, local.trustedHosts)
        ? `not local; mode LOCAL_ONLY never contacts it`
        : undefined;
    this.poolsPromise ??= this.refs().then((refs) =>
      describePools(refs, { providers: this.opts.pool, local, refused }),
    );
    return waitFor(this.poolsPromise, signal);
  }

  /** Adds (or replaces, by alias) a model by hand; the next routing sees it (UnifiedModelAPI.addModel). */
  addRef(ref: ModelRef): void {
    this.opts.extraRefs = [...(this.opts.extraRefs ?? []).filter((r) => r.alias !== ref.alias), ref];
    this.refsPromise = undefined;
  }

  /** Every known model: registry entries and extra refs first, then discovered models. */
  refs(signal?: AbortSignal): Promise<ModelRef[]> {
    // Built without the caller's signal: one caller giving up must not leave a rejected promise behind.
    this.refsPromise ??= this.buildRefs();
    return waitFor(this.refsPromise, signal);
  }

  private async buildRefs(): Promise<ModelRef[]> {
    const { local } = this.config;
    const out: ModelRef[] = [];
    const byKey = new Map<string, ModelRef>();
    const aliases = new Set<string>();
    const addRef = (r: ModelRef) => {
      out.push(r);
      byKey.set(refKey(r), r);
      // Every member of a pool is this ref: the same model discovered there is not another one.
      for (const ep of r.endpoints ?? []) byKey.set(refKey({ ...r, endpoint: ep }), r);
      aliases.add(r.alias);
    };
    for (const [alias, e] of Object.entries(local.registry)) {
      try {
        if (e.endpoints) {
          const { duplicates } = poolEndpoints(e.provider, e.endpoints);
          if (duplicates.length)
            this.warnOnce(
              `local.registry.${alias} lists ${duplicates.join(', ')} more than once; each endpoint is used once`,
            );
        }
        const endpoint = e.endpoint ?? (e.endpoints ? undefined : serverFor(e.provider, local.servers));
        addRef(
          ModelConfigFactory.create(e.provider, e.model, {
            ...e,
            alias,
            ...(endpoint ? { endpoint } : {}),
            trustedHosts: local.trustedHosts,
          }),
        );
      } catch (err) {
        this.config.warnings.push(`registry entry ${alias} ignored: ${(err as Error).message}`);
      }
    }
    for (const r of this.opts.extraRefs ?? []) addRef(r);
    const cap = this.opts.contextCap ?? 8192;
    const servers = await this.servers();
    warnUnreachableMembers(servers, out, (w) => this.warnOnce(w));
    const pooled = new Map<string, ModelRef>();
    for (const s of servers) {
      for (const d of s.models) {
        const inPool = s.pool ? pooled.get(`${s.pool}|${d.model}`) : undefined;
        if (inPool) {
          inPool.endpoints = [...(inPool.endpoints ?? [inPool.endpoint!]), s.endpoint];
          inPool.local &&= s.local;
          byKey.set(refKey({ ...inPool, endpoint: s.endpoint }), inPool);
          continue;
        }
        const ref = ModelConfigFactory.create(d.provider ?? s.kind, d.model, {
          endpoint: d.endpoint || s.endpoint,
          embedding: d.embedding || looksLikeEmbedding(d.model),
          trustedHosts: local.trustedHosts,
          ...(d.parameterSize ? { parameterSize: d.parameterSize } : {}),
          ...(d.contextLength ? { contextLength: Math.min(d.contextLength, cap) } : {}),
        });
        const known = byKey.get(refKey(ref));
        if (known) {
          known.contextLength ??= ref.contextLength;
          continue;
        }
        let alias = ref.alias;
        if (aliases.has(alias)) alias = `${ref.alias}-${s.kind}`;
        for (let i = 2; aliases.has(alias); i++) alias = `${ref.alias}-${s.kind}-${i}`;
        const made = { ...ref, alias };
        addRef(made);
        if (s.pool) pooled.set(`${s.pool}|${d.model}`, made);
      }
    }
    return out;
  }

  /** Chat models routing may use beyond the roles (never embedding models). */
  async chatModels(signal?: AbortSignal): Promise<ModelRef[]> {
    return (await this.refs(signal)).filter((r) => !r.embedding);
  }

  /** main/research/fallback/embeddings as routing sees them; defaults are never written to config. */
  async effectiveRoles(signal?: AbortSignal): Promise<EffectiveRoles> {
    const refs = await this.refs(signal);
    const chat = refs.filter((r) => !r.embedding && modeAllows(r, this.privacy));
    const pick = async (role: Role): Promise<RoleStatus> => {
      const rc = this.config.roles[role];
      if (!rc) return { source: 'none' };
      const { ref, skipped } = this.roleRef(rc, refs);
      if (ref) ref.role = role;
      if (ref && !modeAllows(ref, this.privacy)) {
        const what = isLocalKind(ref.provider) ? (ref.local ? 'local' : 'not local') : 'external';
        const why = this.privacy.mode === 'LOCAL_ONLY' ? `: ${whyNotLocal(ref)}` : '';
        return {
          source: 'none',
          skipped: `role ${role} (${rc.provider} ${rc.modelId}) is ${what}; mode ${this.privacy.mode} (set by ${this.privacy.modeSource}) forbids it${why}`,
          forbidden: true,
        };
      }
      return ref ? { ref, source: 'configured' } : { source: 'none', ...(skipped ? { skipped } : {}) };
    };
    const main = await pick('main');
    if (!main.ref && chat[0]) Object.assign(main, { ref: chat[0], source: 'default' });
    const research = await pick('research');
    if (!research.ref && main.ref) Object.assign(research, { ref: main.ref, source: 'default' });
    const fallback = await pick('fallback');
    if (!fallback.ref) {
      const other = chat.find((r) => !main.ref || refKey(r) !== refKey(main.ref)) ?? main.ref;
      if (other) Object.assign(fallback, { ref: other, source: 'default' });
    }
    let embeddings: RoleStatus = { source: 'none' };
    const embName = this.config.local.embeddingModel;
    if (embName) {
      const ref = this.match(embName, refs);
      embeddings = ref
        ? { ref, source: 'configured' }
        : { source: 'none', skipped: `embedding model ${embName} not found` };
    }
    if (!embeddings.ref) {
      const first = refs.find((r) => r.embedding && modeAllows(r, this.privacy));
      if (first) embeddings = { ...embeddings, ref: first, source: 'default' };
    }
    return { main, research, fallback, embeddings };
  }

  /** A user-given alias or id → ModelRef; throws MODEL_NOT_FOUND listing close matches. */
  async resolve(id: string, signal?: AbortSignal): Promise<ModelRef> {
    const refs = await this.refs(signal);
    const roleRefs = Object.values(this.config.roles)
      .map((r) => this.roleRef(r, refs).ref)
      .filter((r): r is ModelRef => !!r);
    const found = this.match(id, [...refs, ...roleRefs]);
    if (found) return found;
    const names = [...new Set(refs.flatMap((r) => [r.alias, r.model]))];
    const close = closeMatches(id, names);
    const reachable = (await this.servers(signal)).filter((s) => s.ok);
    throw new AppError(
      'MODEL_NOT_FOUND',
      `unknown model '${id}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}`,
      {
        hint:
          reachable.length === 0
            ? `no model server answered; start one (e.g. \`ollama serve\`) or add the model with \`task-master-local models --add\``
            : `list models with \`task-master-local models\`; to get it: \`ollama pull ${id}\``,
        details: { id, closeMatches: close },
      },
    );
  }

  /** Exact alias, exact id, id with ':latest', or `local-<id>`, case-insensitive. */
  private match(id: string, refs: readonly ModelRef[]): ModelRef | undefined {
    const want = id.trim().toLowerCase();
    const tests: ((r: ModelRef) => boolean)[] = [
      (r) => r.alias.toLowerCase() === want,
      (r) => r.model.toLowerCase() === want,
      (r) => r.model.toLowerCase() === `${want}:latest`,
      (r) => r.alias.toLowerCase() === defaultAlias(want),
    ];
    for (const t of tests) {
      const hit = refs.find(t);
      if (hit) return hit;
    }
    return undefined;
  }

  /** A task-master role → ModelRef (reusing a known ref for the same model), or why it cannot be used. */
  roleRef(rc: RoleConfig, known: readonly ModelRef[] = []): { ref?: ModelRef; skipped?: string } {
    const { local } = this.config;
    const kind = rc.provider.toLowerCase() as ProviderKind;
    if (!PROVIDER_KINDS.includes(kind)) {
      return {
        skipped: `provider '${rc.provider}' is not supported by task-master-local (supported: ${PROVIDER_KINDS.join(', ')})`,
      };
    }
    let endpoint: string | undefined = rc.baseURL;
    if (kind === 'ollama') endpoint = endpoint ? fromTaskMasterOllamaURL(endpoint) : ollamaEndpointOf(this.config);
    else endpoint ??= serverFor(kind, local.servers);
    if (kind === 'openai-compatible' && !endpoint)
      return { skipped: `role model ${rc.modelId}: openai-compatible needs a baseURL` };
    let ref: ModelRef;
    try {
      ref = ModelConfigFactory.create(kind, rc.modelId, {
        ...(endpoint ? { endpoint } : {}),
        trustedHosts: local.trustedHosts,
        capabilities: [...TASK_TYPES],
      });
    } catch (e) {
      return { skipped: `role model ${rc.modelId}: ${(e as Error).message}` };
    }
    const same =
      known.find((k) => k.alias === rc.modelId) ??
      known.find(
        (k) =>
          k.provider === ref.provider &&
          (k.endpoint === ref.endpoint || (!!ref.endpoint && !!k.endpoints?.includes(ref.endpoint))) &&
          (k.model === rc.modelId || k.model === `${rc.modelId}:latest`),
      );
    const base = same ? { ...same, capabilities: [...TASK_TYPES] } : { ...ref, alias: rc.modelId };
    if (rc.maxTokens !== undefined) base.maxTokens = rc.maxTokens;
    if (rc.temperature !== undefined) base.temperature = rc.temperature;
    return { ref: base };
  }

  /** The privacy settings this catalog was built with. */
  get privacyContext(): PrivacyContext {
    return this.privacy;
  }
}
