import { ConfigError, isAbortError, ProviderError } from '../../errors.js';
import type {
  CapacityReport,
  ChatChunk,
  ChatRequest,
  DiscoveredModel,
  LoadState,
  ModelProvider,
  ProviderHealth,
  ProviderKind,
  Usage,
} from '../types.js';
import { probeHealth, wireError } from './call.js';
import { errorBodyMessage, httpError, SERVER_NAME, truncatedStream } from './errors.js';
import { fetchJson } from './http-json.js';
import type { ProviderOptions } from './options.js';
import { readSseBatches } from './sse.js';
import { openAIStyleCapacity } from './capacity.js';
import { vllmMetrics } from './vllm-metrics.js';

export { vllmMetrics } from './vllm-metrics.js';

/** Kinds served by this class: local OpenAI-style servers plus OpenAI and Perplexity. */
export type OpenAIStyleKind = Extract<
  ProviderKind,
  'lmstudio' | 'localai' | 'openai-compatible' | 'openai' | 'perplexity'
>;

// Perplexity has no model-listing endpoint; these are the ids its API documents.
const PERPLEXITY_MODELS = ['sonar', 'sonar-pro', 'sonar-reasoning', 'sonar-reasoning-pro', 'sonar-deep-research'];

interface StreamChunk {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number } | null;
  } | null;
  /** llama.cpp server: prompt tokens evaluated (prompt_n) and reused from its cache (cache_n). */
  timings?: { prompt_n?: number; cache_n?: number; predicted_n?: number } | null;
  tokens_cached?: number;
  error?: unknown;
}

/** The server's own token counts from a stream chunk, cached prompt tokens included when it says. */
export function usageOf(chunk: StreamChunk, prev: Usage): Usage {
  const u = chunk.usage;
  const t = chunk.timings;
  if (!u && !t && chunk.tokens_cached === undefined) return prev;
  const cached =
    u?.prompt_tokens_details?.cached_tokens ?? t?.cache_n ?? chunk.tokens_cached ?? prev.cachedPromptTokens;
  // llama.cpp counts evaluated and cached prompt tokens apart; the prompt is both.
  const fromTimings = t?.prompt_n !== undefined ? t.prompt_n + (t.cache_n ?? 0) : 0;
  return {
    promptTokens: Math.max(u?.prompt_tokens ?? prev.promptTokens, fromTimings),
    completionTokens: u?.completion_tokens ?? t?.predicted_n ?? prev.completionTokens,
    ...(cached !== undefined ? { cachedPromptTokens: cached } : {}),
  };
}

/**
 * The OpenAI chat-completions wire protocol over plain fetch: SSE streaming with usage,
 * `response_format: json_schema` (never json_object, which LM Studio rejects), both error body
 * shapes, batched embeddings. LM Studio's /api/v0/models adds type and context length.
 */
export class OpenAICompatibleProvider implements ModelProvider {
  readonly endpoint: string;
  private readonly baseFetch: typeof fetch;
  /** The server refused `response_format: json_schema` (vLLM before 0.6): structured requests use `guided_json`. */
  private guidedJson = false;

  constructor(
    readonly kind: OpenAIStyleKind,
    private readonly opts: ProviderOptions,
  ) {
    this.endpoint = opts.endpoint.replace(/\/+$/, '');
    try {
      new URL(this.endpoint);
    } catch {
      throw new ConfigError('CONFIG_INVALID', `invalid ${SERVER_NAME[kind]} endpoint "${opts.endpoint}"`, {
        hint: 'use a URL such as http://127.0.0.1:1234/v1',
      });
    }
    this.baseFetch = opts.fetch ?? fetch;
  }

  private headers(): Record<string, string> {
    return this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {};
  }

  private async wire<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw wireError(e, this.kind, this.endpoint, signal, this.opts.apiKey);
    }
  }

  /** The server's origin (LM Studio's native /api/v0 and llama.cpp's /health live beside /v1). */
  private get origin(): string {
    return this.endpoint.replace(/\/v1$/, '');
  }

  private json(path: string, json: unknown, signal: AbortSignal | undefined, model?: string): Promise<unknown> {
    return fetchJson(
      this.baseFetch,
      `${this.endpoint}${path}`,
      { headers: this.headers(), ...(json === undefined ? {} : { json }), ...(signal ? { signal } : {}) },
      (status, message) => httpError(this.kind, this.endpoint, status, message, model),
    );
  }

  async *chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    let res: Response | undefined;
    try {
      const body: Record<string, unknown> = {
        model: req.model,
        messages: req.messages,
        stream: true,
        stream_options: { include_usage: true },
      };
      if (req.temperature !== undefined) body.temperature = req.temperature;
      if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
      if (req.seed !== undefined) body.seed = req.seed;
      res = await this.post(body, req.jsonSchema, signal);
      let text = res.ok ? '' : await res.text();
      if (
        res.status === 400 &&
        req.jsonSchema &&
        this.kind === 'openai-compatible' &&
        !this.guidedJson &&
        refusesJsonSchema(text)
      ) {
        // Not a retry: the same request in the older vLLM's own form (`guided_json`), remembered.
        this.guidedJson = true;
        res = await this.post(body, req.jsonSchema, signal);
        text = res.ok ? '' : await res.text();
      }
      if (!res.ok || !res.body) {
        throw httpError(this.kind, this.endpoint, res.status, errorBodyMessage(text) || res.statusText, req.model);
      }
      let finish: string | undefined;
      let usage: Usage = { promptTokens: 0, completionTokens: 0 };
      let done = false;
      // One network read can carry many events (a fast server, a busy client): their text goes up as
      // one delta, so the executor, the deadlines and the stream parser take one step per read.
      read: for await (const batch of readSseBatches(res.body)) {
        let text = '';
        for (const ev of batch) {
          if (ev.data === '[DONE]') {
            if (text) yield { type: 'delta', text };
            done = true;
            break read;
          }
          let chunk: StreamChunk;
          try {
            chunk = JSON.parse(ev.data) as StreamChunk;
          } catch {
            if (text) yield { type: 'delta', text };
            throw new ProviderError(
              'PROVIDER_ERROR',
              `${SERVER_NAME[this.kind]} sent a stream event that is not JSON`,
              {
                retryable: true,
              },
            );
          }
          if (chunk.error !== undefined) {
            if (text) yield { type: 'delta', text };
            throw httpError(
              this.kind,
              this.endpoint,
              undefined,
              errorBodyMessage(JSON.stringify({ error: chunk.error })),
              req.model,
            );
          }
          const choice = chunk.choices?.[0];
          if (choice?.delta?.content) text += choice.delta.content;
          if (choice?.finish_reason) finish = choice.finish_reason;
          usage = usageOf(chunk, usage);
        }
        yield text ? { type: 'delta', text } : { type: 'alive' };
      }
      // Some servers omit [DONE]; a finish_reason still proves the answer is complete.
      if (!done && !finish) throw truncatedStream(this.kind, this.endpoint);
      yield { type: 'done', usage, finishReason: finish };
    } catch (e) {
      throw wireError(e, this.kind, this.endpoint, signal, this.opts.apiKey);
    } finally {
      // Stops the server generating when the caller stops reading early.
      if (res?.body && !res.body.locked) res.body.cancel().catch(() => undefined);
    }
  }

  /** POSTs a chat request; a JSON Schema goes as `response_format: json_schema`, or as vLLM's `guided_json`. */
  private post(body: Record<string, unknown>, schema: Record<string, unknown> | undefined, signal?: AbortSignal) {
    const structured = !schema
      ? {}
      : this.guidedJson
        ? { guided_json: schema }
        : { response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } } };
    return this.baseFetch(`${this.endpoint}/chat/completions`, {
      method: 'POST',
      headers: { ...this.headers(), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ ...body, ...structured }),
      ...(signal ? { signal } : {}),
    });
  }

  async embed(model: string, texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    if (this.kind === 'perplexity') {
      throw new ProviderError('PROVIDER_ERROR', 'Perplexity does not offer embeddings', {
        hint: 'set an embedding model on a local server (e.g. `ollama pull nomic-embed-text`)',
      });
    }
    return this.wire(signal, async () => {
      const res = (await this.json('/embeddings', { model, input: texts }, signal, model)) as {
        data?: Array<{ embedding: number[]; index?: number }>;
      };
      const data = [...(res.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== texts.length) {
        throw new ProviderError(
          'PROVIDER_ERROR',
          `${SERVER_NAME[this.kind]} returned ${data.length} embeddings for ${texts.length} inputs`,
          { retryable: true },
        );
      }
      return data.map((d) => d.embedding);
    });
  }

  async listModels(signal?: AbortSignal): Promise<DiscoveredModel[]> {
    if (this.kind === 'perplexity') return PERPLEXITY_MODELS.map((m) => this.discovered(m, false));
    return this.wire(signal, async () => {
      const res = (await this.json('/models', undefined, signal)) as { data?: Array<{ id: string }> | null };
      const models = (res.data ?? []).map((m) => this.discovered(m.id, /embed/i.test(m.id)));
      if (this.kind === 'lmstudio') await this.addLmStudioDetails(models, signal);
      return models;
    });
  }

  private discovered(model: string, embedding: boolean): DiscoveredModel {
    return {
      provider: this.kind,
      endpoint: this.endpoint,
      model,
      capabilities: embedding ? ['embedding'] : ['completion'],
      embedding,
    };
  }

  /** LM Studio's native /api/v0/models tells type and max context; older builds lack it, so failures are ignored. */
  private async addLmStudioDetails(models: DiscoveredModel[], signal?: AbortSignal): Promise<void> {
    try {
      const res = await this.baseFetch(`${this.origin}/api/v0/models`, {
        headers: this.headers(),
        ...(signal ? { signal } : {}),
      });
      if (!res.ok) return;
      const v0 = (await res.json()) as {
        data?: Array<{ id: string; type?: string; max_context_length?: number; arch?: string; quantization?: string }>;
      };
      for (const m of models) {
        const d = v0.data?.find((x) => x.id === m.model);
        if (!d) continue;
        m.embedding = d.type === 'embeddings';
        m.capabilities = m.embedding ? ['embedding'] : d.type === 'vlm' ? ['completion', 'vision'] : ['completion'];
        if (typeof d.max_context_length === 'number') m.contextLength = d.max_context_length;
        if (d.arch) m.family = d.arch;
        if (d.quantization) m.quantization = d.quantization;
      }
    } catch (e) {
      if (isAbortError(e)) throw e;
    }
  }

  health(signal?: AbortSignal): Promise<ProviderHealth> {
    return probeHealth(this.kind, this.endpoint, signal, async () => {
      if (this.kind !== 'perplexity') return { models: await this.listModels(signal) };
      // Perplexity has no free endpoint to probe; any HTTP answer proves it is reachable.
      await this.wire(signal, async () => {
        await (await this.baseFetch(this.endpoint, { headers: this.headers(), signal })).arrayBuffer();
      });
      return {};
    });
  }

  /**
   * Loads in progress and requests in flight, from what each server kind exposes: LM Studio's
   * /api/v0/models `state`; llama.cpp server's /health (503 "Loading model") and /slots
   * (`is_processing`); vLLM's /metrics (running + waiting requests); LocalAI's /readyz (503 while
   * preloading). A server that exposes none of them reports nothing loading.
   */
  async loadState(signal?: AbortSignal): Promise<LoadState> {
    if (this.kind === 'openai' || this.kind === 'perplexity') return { loaded: [], loading: [] };
    return this.wire(signal, async () => {
      const get = (path: string) =>
        this.baseFetch(`${this.origin}${path}`, { headers: this.headers(), ...(signal ? { signal } : {}) });
      if (this.kind === 'lmstudio') {
        const res = await get('/api/v0/models');
        if (!res.ok) return { loaded: [], loading: [] };
        const v0 = (await res.json()) as { data?: Array<{ id: string; state?: string }> };
        const by = (st: string) => (v0.data ?? []).filter((m) => m.state === st).map((m) => m.id);
        return { loaded: by('loaded'), loading: by('loading') };
      }
      const health = await get(this.kind === 'localai' ? '/readyz' : '/health');
      const text = await health.text();
      if (health.status === 503 && /load|starting|preload/i.test(text)) return { loaded: [], loading: ['*'] };
      const busy = await this.inFlight(get);
      return { loaded: [], loading: [], ...(busy !== undefined ? { busy } : {}) };
    });
  }

  /** What the server says about its parallel capacity (providers/capacity.ts). */
  async capacity(model: string, signal?: AbortSignal): Promise<CapacityReport | undefined> {
    if (this.kind === 'openai' || this.kind === 'perplexity') return undefined;
    const get = (path: string) =>
      this.baseFetch(`${this.origin}${path}`, { headers: this.headers(), ...(signal ? { signal } : {}) });
    return this.wire(signal, () => openAIStyleCapacity(this.kind, model, get));
  }

  /** Requests the server is working on: llama.cpp /slots, else vLLM /metrics; undefined when neither answers. */
  private async inFlight(get: (path: string) => Promise<Response>): Promise<number | undefined> {
    const slots = await get('/slots');
    if (slots.ok) {
      const list = (await slots.json().catch(() => undefined)) as Array<{ is_processing?: boolean }> | undefined;
      if (Array.isArray(list)) return list.filter((x) => x.is_processing).length;
    } else await slots.arrayBuffer().catch(() => undefined);
    const metrics = await get('/metrics');
    if (!metrics.ok) return void (await metrics.arrayBuffer().catch(() => undefined));
    const m = vllmMetrics(await metrics.text());
    return m ? m.running + m.waiting : undefined;
  }
}

/**
 * A 400 saying the server does not know `response_format: json_schema`: vLLM before 0.6 only took
 * 'text' or 'json_object' there (structured output went in `guided_json`, which 0.12 removed).
 */
export function refusesJsonSchema(body: string): boolean {
  return /response_format/.test(body) && /'text' or 'json_object'|literal_error/.test(body);
}
