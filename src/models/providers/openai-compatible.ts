import { ConfigError, isAbortError, isAppError, ProviderError, type AppError } from '../../errors.js';
import type { ChatChunk, ChatRequest, DiscoveredModel, ModelProvider, ProviderHealth, ProviderKind } from '../types.js';
import { CallGuard } from './guard.js';
import { errorBodyMessage, httpError, networkError, redact, SERVER_NAME, truncatedStream } from './errors.js';
import { fetchJson } from './http-json.js';
import type { ProviderOptions } from './options.js';
import { readSse } from './sse.js';

/** Kinds served by this class: local OpenAI-style servers plus OpenAI and Perplexity. */
export type OpenAIStyleKind = Extract<
  ProviderKind,
  'lmstudio' | 'localai' | 'openai-compatible' | 'openai' | 'perplexity'
>;

// Perplexity has no model-listing endpoint; these are the ids its API documents.
const PERPLEXITY_MODELS = ['sonar', 'sonar-pro', 'sonar-reasoning', 'sonar-reasoning-pro', 'sonar-deep-research'];

interface StreamChunk {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: unknown;
}

/**
 * The OpenAI chat-completions wire protocol over plain fetch: SSE streaming with usage,
 * `response_format: json_schema` (never json_object, which LM Studio rejects), both error body
 * shapes, batched embeddings. LM Studio's /api/v0/models adds type and context length.
 */
export class OpenAICompatibleProvider implements ModelProvider {
  readonly endpoint: string;
  private readonly baseFetch: typeof fetch;

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

  private mapError(e: unknown, guard: CallGuard, _model?: string): AppError {
    let out: AppError;
    if (guard.reason) out = guard.error();
    else if (isAppError(e)) out = e;
    else if (isAbortError(e)) out = new ProviderError('ABORTED', 'the model call was cancelled');
    else
      out =
        networkError(e, this.kind, this.endpoint) ??
        new ProviderError(
          'PROVIDER_ERROR',
          `${SERVER_NAME[this.kind]} call failed: ${(e as Error)?.message ?? String(e)}`,
          { retryable: true, cause: e },
        );
    return redact(out, this.opts.apiKey);
  }

  private async call<T>(
    signal: AbortSignal | undefined,
    model: string | undefined,
    fn: (f: typeof fetch, g: CallGuard) => Promise<T>,
  ): Promise<T> {
    const guard = new CallGuard(signal, this.opts.requestTimeoutMs, this.opts.idleTimeoutMs);
    try {
      guard.check();
      return await fn(guard.wrapFetch(this.baseFetch), guard);
    } catch (e) {
      throw this.mapError(e, guard, model);
    } finally {
      guard.dispose();
    }
  }

  private json(f: typeof fetch, path: string, json: unknown, model?: string): Promise<unknown> {
    return fetchJson(
      f,
      `${this.endpoint}${path}`,
      { headers: this.headers(), ...(json === undefined ? {} : { json }) },
      (status, message) => httpError(this.kind, this.endpoint, status, message, model),
    );
  }

  async *chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const guard = new CallGuard(signal, this.opts.requestTimeoutMs, this.opts.idleTimeoutMs);
    let res: Response | undefined;
    try {
      guard.check();
      const body: Record<string, unknown> = {
        model: req.model,
        messages: req.messages,
        stream: true,
        stream_options: { include_usage: true },
      };
      if (req.temperature !== undefined) body.temperature = req.temperature;
      if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
      if (req.seed !== undefined) body.seed = req.seed;
      if (req.jsonSchema)
        body.response_format = {
          type: 'json_schema',
          json_schema: { name: 'answer', strict: true, schema: req.jsonSchema },
        };
      res = await guard.wrapFetch(this.baseFetch)(`${this.endpoint}/chat/completions`, {
        method: 'POST',
        headers: { ...this.headers(), 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify(body),
      });
      if (!res.ok || !res.body) {
        throw httpError(
          this.kind,
          this.endpoint,
          res.status,
          errorBodyMessage(await res.text()) || res.statusText,
          req.model,
        );
      }
      let finish: string | undefined;
      let usage = { promptTokens: 0, completionTokens: 0 };
      let done = false;
      for await (const ev of readSse(res.body)) {
        if (ev.data === '[DONE]') {
          done = true;
          break;
        }
        let chunk: StreamChunk;
        try {
          chunk = JSON.parse(ev.data) as StreamChunk;
        } catch {
          throw new ProviderError('PROVIDER_ERROR', `${SERVER_NAME[this.kind]} sent a stream event that is not JSON`, {
            retryable: true,
          });
        }
        if (chunk.error !== undefined) {
          throw httpError(
            this.kind,
            this.endpoint,
            undefined,
            errorBodyMessage(JSON.stringify({ error: chunk.error })),
            req.model,
          );
        }
        const choice = chunk.choices?.[0];
        if (choice?.delta?.content) yield { type: 'delta', text: choice.delta.content };
        if (choice?.finish_reason) finish = choice.finish_reason;
        if (chunk.usage)
          usage = {
            promptTokens: chunk.usage.prompt_tokens ?? 0,
            completionTokens: chunk.usage.completion_tokens ?? 0,
          };
      }
      // Some servers omit [DONE]; a finish_reason still proves the answer is complete.
      if (!done && !finish) throw truncatedStream(this.kind, this.endpoint);
      yield { type: 'done', usage, finishReason: finish };
    } catch (e) {
      throw this.mapError(e, guard, req.model);
    } finally {
      // Stops the server generating when the caller stops reading early.
      if (res?.body && !res.body.locked) res.body.cancel().catch(() => undefined);
      guard.dispose();
    }
  }

  async embed(model: string, texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    if (this.kind === 'perplexity') {
      throw new ProviderError('PROVIDER_ERROR', 'Perplexity does not offer embeddings', {
        hint: 'set an embedding model on a local server (e.g. `ollama pull nomic-embed-text`)',
      });
    }
    return this.call(signal, model, async (f) => {
      const res = (await this.json(f, '/embeddings', { model, input: texts }, model)) as {
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
    return this.call(signal, undefined, async (f) => {
      const res = (await this.json(f, '/models', undefined)) as { data?: Array<{ id: string }> | null };
      const models = (res.data ?? []).map((m) => this.discovered(m.id, /embed/i.test(m.id)));
      if (this.kind === 'lmstudio') await this.addLmStudioDetails(f, models);
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
  private async addLmStudioDetails(f: typeof fetch, models: DiscoveredModel[]): Promise<void> {
    const origin = this.endpoint.replace(/\/v1$/, '');
    try {
      const res = await f(`${origin}/api/v0/models`, { headers: this.headers() });
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

  async health(signal?: AbortSignal): Promise<ProviderHealth> {
    const started = performance.now();
    try {
      await this.call(signal, undefined, async (f) => {
        if (this.kind !== 'perplexity') return this.json(f, '/models', undefined);
        // Perplexity has no free endpoint to probe; any HTTP answer proves it is reachable.
        await (await f(this.endpoint, { headers: this.headers() })).arrayBuffer();
        return undefined;
      });
      return { ok: true, endpoint: this.endpoint, latencyMs: Math.round(performance.now() - started) };
    } catch (e) {
      const err = e as AppError;
      return {
        ok: false,
        endpoint: this.endpoint,
        latencyMs: Math.round(performance.now() - started),
        error: err.message,
        hint: err.hint,
      };
    }
  }
}
