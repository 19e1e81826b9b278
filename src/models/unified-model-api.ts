import type { ZodType } from 'zod';
import { AppError } from '../errors.js';
import { hostOf } from '../config/hosts.js';
import type { ResolvedConfig } from '../config/schema.js';
import type { DB } from '../storage/db.js';
import { MetricsRepo } from '../storage/metrics-repo.js';
import { AnswerCache, type AnswerKind, type Revalidate } from './answer-cache.js';
import { ModelCatalog, privacyOf } from './catalog.js';
import type { BreakerOptions } from './circuit-breaker.js';
import { Executor, type Collected, type RequestState } from './executor.js';
import { runCandidates, type Checked } from './generate.js';
import { failureError, noModelError, safeHooks } from './outcome.js';
import { assertAllowed, isRefLocal, modeAllows, type PrivacyContext } from './privacy.js';
import { ProviderPool, defaultProviderFactory, type ProviderFactory } from './provider-pool.js';
import { route, type RankCandidates, type RouteResult } from './routing.js';
import { ServerAccess } from './server-access.js';
import type { PoolStatus } from './pools.js';
import { parseStructured, toJsonSchema } from './structured.js';
import { stripChatTokens, stripThink } from './text.js';
import type {
  Answer,
  CallRecord,
  EmbedOptions,
  EmbedResult,
  ModelAPI,
  ModelHooks,
  ModelRef,
  TaskRequest,
} from './types.js';

export interface UnifiedModelAPIOptions {
  config: ResolvedConfig;
  /** Opened database for the response cache and the metrics ledger; without it neither is kept. */
  db?: DB;
  hooks?: ModelHooks;
  /** Builds providers; defaults to the real ones (with keys from `env`). */
  providerFactory?: ProviderFactory;
  env?: NodeJS.ProcessEnv;
  /** Share a catalog (and its discovery) with the caller. */
  catalog?: ModelCatalog;
  pool?: ProviderPool;
  /** Learned routing: reorders eligible candidates. */
  rankCandidates?: RankCandidates;
  /** Recorded on every metrics row. */
  runId?: string;
  breaker?: BreakerOptions;
  backoffMs?: number;
  /** num_ctx cap for models whose context length comes from the server (default 8192). */
  contextCap?: number;
}

/**
 * The only way to reach any model: routes by task type, complexity and mode, guards privacy, caches
 * validated answers, retries, falls back, trips circuit breakers and records every call.
 *
 * Cache policy: only validated answers are stored, keyed by sha256 of (provider, model, kind,
 * messages, schema, temperature, seed, maxTokens). `noCache` (per task) and `local.cache=false`
 * (config or --no-cache) skip reads but still write, so a forced fresh run refreshes the entry the
 * next cached run will see.
 */
export class UnifiedModelAPI implements ModelAPI {
  readonly catalog: ModelCatalog;
  readonly privacy: PrivacyContext;
  /** Probes, load state, pulls and preloads, through the same providers and guard. */
  readonly servers: ServerAccess;
  /** Problems that did not fail a call (e.g. a metrics row that could not be written). */
  readonly warnings: string[] = [];
  /** What a run should tell the user, once each (e.g. a pool member unreachable, the others used). */
  readonly notes: string[] = [];
  private readonly hooks: Required<ModelHooks>;
  private readonly exec: Executor;
  private readonly cache: AnswerCache;
  private readonly metrics?: MetricsRepo;

  constructor(private readonly o: UnifiedModelAPIOptions) {
    const pool = o.pool ?? new ProviderPool(o.providerFactory ?? defaultProviderFactory(o.config.local, o.env));
    this.catalog =
      o.catalog ?? new ModelCatalog({ config: o.config, pool, ...(o.contextCap ? { contextCap: o.contextCap } : {}) });
    this.privacy = privacyOf(o.config);
    this.hooks = safeHooks(o.hooks);
    this.servers = new ServerAccess(pool, this.privacy, o.config.local);
    this.cache = new AnswerCache(o.db, (w) => this.warnings.push(w));
    if (o.db) this.metrics = new MetricsRepo(o.db);
    this.exec = new Executor({
      pool,
      privacy: this.privacy,
      local: o.config.local,
      record: (r) => this.record(r),
      note: (m) => void (this.notes.includes(m) || this.notes.push(m)),
      ...(o.breaker ? { breaker: o.breaker } : {}),
      ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
      ...(o.contextCap ? { contextCap: o.contextCap } : {}),
    });
  }

  /**
   * The specification's addModel(alias, config): a model this API may route to, for this process
   * (`models --add` saves one in config.json). The mode still decides whether it may be called.
   */
  addModel(alias: string, ref: ModelRef): ModelRef {
    const r = { ...ref, alias };
    this.catalog.addRef(r);
    return r;
  }

  /** Routed, guarded, cached, schema-validated object; re-asks once per model, then falls back. */
  generateObject<T>(task: TaskRequest, schema: ZodType<T>): Promise<Answer<T>> {
    const jsonSchema = toJsonSchema(schema);
    return this.run<T>(
      task,
      'object',
      jsonSchema,
      (c) => parseStructured(c.text, schema, c.finishReason),
      (v) => {
        const r = schema.safeParse(v);
        return r.success ? { ok: true, value: r.data } : { ok: false };
      },
    );
  }

  /** Routed, guarded, cached free text (think blocks removed); an empty answer counts as a failure. */
  generateText(task: TaskRequest): Promise<Answer<string>> {
    return this.run<string>(
      task,
      'text',
      undefined,
      (c) => {
        const text = stripChatTokens(stripThink(c.text)).trim();
        return text
          ? { ok: true, value: text, text }
          : { ok: false, error: 'the model returned an empty answer', text };
      },
      (v) => (typeof v === 'string' ? { ok: true, value: stripChatTokens(v) } : { ok: false }),
    );
  }

  /** Each pooled model used so far: every endpoint with its capacity (and where it came from) and its load. */
  poolStatus(): PoolStatus[] {
    return this.exec.poolStatus();
  }

  /** Which model would serve this task first; no call is made. */
  async resolve(task: Pick<TaskRequest, 'type' | 'complexity' | 'model'>): Promise<ModelRef | undefined> {
    return (await this.plan(task)).candidates[0];
  }

  /** The ordered candidates for a task (also used by `models` and `health` to explain routing). */
  async plan(
    task: Pick<TaskRequest, 'type' | 'complexity' | 'model' | 'strictModel' | 'signal'>,
  ): Promise<RouteResult> {
    let preferred: ModelRef | undefined;
    if (task.model) {
      preferred = typeof task.model === 'string' ? await this.catalog.resolve(task.model, task.signal) : task.model;
      assertAllowed(preferred, this.privacy); // an explicit request for a forbidden model is refused, not skipped
    }
    // A strict request for a given model routes to it alone: no roles to read, no servers to list.
    const strict = !!task.strictModel && preferred !== undefined;
    const roles = strict ? undefined : await this.catalog.effectiveRoles(task.signal);
    const models = strict ? [] : await this.catalog.chatModels(task.signal);
    const r = route({
      task: {
        type: task.type,
        ...(task.complexity !== undefined ? { complexity: task.complexity } : {}),
        ...(preferred ? { preferred } : {}),
        strict: !!task.strictModel,
      },
      privacy: this.privacy,
      roles: { main: roles?.main.ref, research: roles?.research.ref, fallback: roles?.fallback.ref },
      models,
      ...(this.o.rankCandidates ? { rank: this.o.rankCandidates } : {}),
    });
    this.hooks.onRoute({
      task: task.type,
      chosen: r.candidates[0]?.alias ?? '',
      candidates: r.candidates.map((c) => c.alias),
      reason: r.reason,
    });
    return r;
  }

  private async run<T>(
    task: TaskRequest,
    kind: AnswerKind,
    jsonSchema: Record<string, unknown> | undefined,
    check: (c: Collected) => Checked<T>,
    revalidate: Revalidate<T>,
  ): Promise<Answer<T>> {
    const started = performance.now();
    const plan = await this.plan(task);
    const st: RequestState = { task, attempts: [], failures: [], usage: { promptTokens: 0, completionTokens: 0 } };
    if (plan.candidates.length === 0) throw await noModelError(this.catalog, plan, task.type);
    try {
      const p = await runCandidates(
        {
          exec: this.exec,
          cache: this.cache,
          useCache: this.o.config.local.cache && !task.noCache,
          kind,
          jsonSchema,
          check,
          revalidate,
          onHit: (ref, usage) => this.recordHit(ref, task, kind, usage),
        },
        plan,
        task,
        st,
      );
      return {
        value: p.value,
        model: p.ref,
        usage: p.usage,
        durationMs: performance.now() - started,
        cached: p.cached,
        attempts: st.attempts,
        ...(p.text !== undefined ? { text: p.text } : {}),
      };
    } finally {
      this.reportFailures(st);
    }
  }

  private recordHit(ref: ModelRef, task: TaskRequest, kind: AnswerKind, usage: Answer<unknown>['usage']): void {
    this.record({
      component: task.component ?? 'model',
      operation: kind === 'object' ? 'object' : 'chat',
      provider: ref.provider,
      host: ref.endpoint ? hostOf(ref.endpoint) : 'embedded',
      local: isRefLocal(ref, this.privacy.trustedHosts),
      model: ref.model,
      taskType: task.type,
      ...(task.promptId ? { promptId: task.promptId } : {}),
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      durationMs: 0,
      cached: true,
      ok: true,
    });
  }

  /** Embeddings in batches of `batchSize` with the embedding model (guarded, metered). */
  async embed(texts: string[], opts: EmbedOptions = {}): Promise<EmbedResult> {
    let ref: ModelRef | undefined;
    if (opts.model) {
      ref = await this.catalog.resolve(opts.model, opts.signal);
      assertAllowed(ref, this.privacy);
    } else {
      ref = (await this.catalog.effectiveRoles(opts.signal)).embeddings.ref;
    }
    if (!ref || !modeAllows(ref, this.privacy)) {
      throw new AppError('NO_MODEL_AVAILABLE', 'no embedding model is available', {
        hint: 'pull one with `ollama pull nomic-embed-text`, or set local.embeddingModel',
      });
    }
    const size = Math.max(1, opts.batchSize ?? this.o.config.local.embeddingBatchSize);
    const st: RequestState = {
      task: {
        type: 'RESEARCH',
        component: 'embed',
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
      },
      attempts: [],
      failures: [],
      usage: { promptTokens: 0, completionTokens: 0 },
    };
    const vectors: number[][] = [];
    let calls = 0;
    try {
      for (let i = 0; i < texts.length; i += size) {
        calls++;
        vectors.push(...(await this.exec.embed(ref, texts.slice(i, i + size), st)));
      }
    } catch (e) {
      this.reportFailures(st);
      if (e instanceof AppError && (e.code === 'ABORTED' || e.code === 'PRIVACY_REFUSED')) throw e;
      throw failureError({ candidates: [ref], excluded: [], reason: 'embeddings' }, st, undefined, e);
    }
    this.reportFailures(st);
    const dimension = vectors[0]?.length ?? 0;
    if (vectors.some((v) => v.length !== dimension)) {
      throw new AppError('PROVIDER_ERROR', `${ref.alias} returned embeddings of different dimensions`, {
        hint: 'the server is misbehaving; check its logs',
      });
    }
    return { vectors, model: ref, dimension, calls };
  }

  private record(r: CallRecord): void {
    const rec = this.o.runId ? { ...r, runId: this.o.runId } : r;
    try {
      this.metrics?.record(rec);
    } catch (e) {
      this.warnings.push(`metrics row not written: ${(e as Error).message}`);
    }
    this.hooks.onCall(rec);
  }

  /** Failures go to hooks once the outcome is known, so each can say how it was recovered. */
  private reportFailures(st: RequestState): void {
    const winner = st.attempts.at(-1)?.ok ? st.attempts.at(-1) : undefined;
    for (const f of st.failures.splice(0)) {
      const recoveredBy = !winner
        ? undefined
        : f.ref.model === winner.model && f.ref.provider === winner.provider
          ? winner.kind === 'reask'
            ? 'reask'
            : 'retry'
          : 'fallback';
      this.hooks.onFailure({
        error: f.error,
        component: st.task.component ?? 'model',
        operation: f.operation,
        provider: f.ref.provider,
        ...(f.ref.endpoint ? { endpoint: f.ref.endpoint } : {}),
        model: f.ref.model,
        taskType: st.task.type,
        atMs: f.atMs,
        ...(this.o.runId ? { runId: this.o.runId } : {}),
        ...(recoveredBy ? { recoveredBy } : {}),
      });
    }
  }
}
