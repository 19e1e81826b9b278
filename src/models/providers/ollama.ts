import { ConfigError, isAppError, isAbortError, ProviderError, type AppError } from '../../errors.js';
import type { ChatChunk, ChatRequest, DiscoveredModel, ModelProvider, ProviderHealth } from '../types.js';
import { CallGuard } from './guard.js';
import { httpError, networkError, truncatedStream } from './errors.js';
import { mapLimit } from '../../util/map-limit.js';
import { fetchJson } from './http-json.js';
import type { ProviderOptions } from './options.js';
import { quietFetch } from './quiet-fetch.js';

interface ShowInfo {
  model_info?: Record<string, unknown>;
  capabilities?: string[];
  details?: { family?: string; parameter_size?: string; quantization_level?: string };
}

interface TagEntry {
  name: string;
  size?: number;
  details?: { family?: string; families?: string[]; parameter_size?: string; quantization_level?: string };
  capabilities?: string[];
}

/** Context length from /api/show's model_info ("<arch>.context_length"). */
export function contextLengthOf(info: Record<string, unknown> | undefined): number | undefined {
  if (!info) return undefined;
  const arch = info['general.architecture'];
  const direct = typeof arch === 'string' ? info[`${arch}.context_length`] : undefined;
  if (typeof direct === 'number') return direct;
  const any = Object.entries(info).find(([k, v]) => k.endsWith('.context_length') && typeof v === 'number');
  return any ? (any[1] as number) : undefined;
}

/**
 * Ollama through its native API. Chat and embeddings go through the official `ollama` client
 * (imported on first use); metadata calls use plain fetch so `health` and `models` stay light.
 * Chat always streams: a cold model load must not run into Node's 300 s header timeout.
 */
export class OllamaProvider implements ModelProvider {
  readonly kind = 'ollama' as const;
  readonly endpoint: string;
  private readonly baseFetch: typeof fetch;
  private readonly contextCache = new Map<string, Promise<number | undefined>>();

  constructor(private readonly opts: ProviderOptions) {
    this.endpoint = opts.endpoint.replace(/\/+$/, '').replace(/\/api$/, '');
    try {
      new URL(this.endpoint);
    } catch {
      throw new ConfigError('CONFIG_INVALID', `invalid Ollama endpoint "${opts.endpoint}"`, {
        hint: 'use a URL such as http://127.0.0.1:11434',
      });
    }
    this.baseFetch = opts.fetch ?? fetch;
  }

  private guard(signal?: AbortSignal): CallGuard {
    return new CallGuard(signal, this.opts.requestTimeoutMs, this.opts.idleTimeoutMs);
  }

  private mapError(e: unknown, guard: CallGuard, model?: string): AppError {
    if (guard.reason) return guard.error();
    if (isAppError(e)) return e;
    if (isAbortError(e)) return new ProviderError('ABORTED', 'the model call was cancelled');
    const net = networkError(e, 'ollama', this.endpoint);
    if (net) return net;
    const err = e as { name?: string; message?: string; error?: string; status_code?: number };
    if (err?.name === 'ResponseError')
      return httpError('ollama', this.endpoint, err.status_code, err.error ?? err.message ?? '', model);
    const msg = err?.message ?? String(e);
    if (/did not receive done/i.test(msg)) return truncatedStream('ollama', this.endpoint);
    // The client throws a plain Error for an {"error": …} line inside a 200 stream.
    const mapped = httpError('ollama', this.endpoint, undefined, msg, model);
    if (mapped.code !== 'PROVIDER_ERROR' || !mapped.retryable) return mapped;
    return new ProviderError('PROVIDER_ERROR', `Ollama at ${this.endpoint} failed while answering: ${msg}`, {
      retryable: true,
      cause: e,
      hint: 'the model runner failed; it will be retried',
      details: { endpoint: this.endpoint, model },
    });
  }

  private async call<T>(
    signal: AbortSignal | undefined,
    model: string | undefined,
    fn: (f: typeof fetch) => Promise<T>,
  ): Promise<T> {
    const guard = this.guard(signal);
    try {
      guard.check();
      return await fn(guard.wrapFetch(this.baseFetch));
    } catch (e) {
      throw this.mapError(e, guard, model);
    } finally {
      guard.dispose();
    }
  }

  private getJson(f: typeof fetch, path: string, json?: unknown, model?: string): Promise<unknown> {
    return fetchJson(f, `${this.endpoint}${path}`, json === undefined ? {} : { json }, (status, message) =>
      httpError('ollama', this.endpoint, status, message, model),
    );
  }

  async *chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const guard = this.guard(signal);
    let stream: ({ abort(): void } & AsyncIterable<import('ollama').ChatResponse>) | undefined;
    let finished = false;
    try {
      guard.check();
      const { Ollama } = await import('ollama/browser');
      const client = new Ollama({ host: this.endpoint, fetch: quietFetch(guard.wrapFetch(this.baseFetch)) });
      const options: Record<string, number> = {};
      if (req.contextLength) options.num_ctx = req.contextLength;
      if (req.temperature !== undefined) options.temperature = req.temperature;
      if (req.seed !== undefined) options.seed = req.seed;
      if (req.maxTokens !== undefined) options.num_predict = req.maxTokens;
      if (this.opts.threads) options.num_thread = this.opts.threads;
      stream = await client.chat({
        model: req.model,
        messages: req.messages,
        stream: true,
        ...(req.jsonSchema ? { format: req.jsonSchema } : {}),
        options,
        ...(this.opts.keepAlive ? { keep_alive: this.opts.keepAlive } : {}),
      });
      for await (const part of stream) {
        const text = part.message?.content;
        if (text) yield { type: 'delta', text };
        if (part.done) {
          finished = true;
          yield {
            type: 'done',
            usage: { promptTokens: part.prompt_eval_count ?? 0, completionTokens: part.eval_count ?? 0 },
            finishReason: part.done_reason,
          };
        }
      }
      if (!finished) throw truncatedStream('ollama', this.endpoint);
    } catch (e) {
      throw this.mapError(e, guard, req.model);
    } finally {
      if (!finished) stream?.abort();
      guard.dispose();
    }
  }

  async embed(model: string, texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    return this.call(signal, model, async (f) => {
      const { Ollama } = await import('ollama/browser');
      const client = new Ollama({ host: this.endpoint, fetch: quietFetch(f) });
      const res = await client.embed({
        model,
        input: texts,
        ...(this.opts.keepAlive ? { keep_alive: this.opts.keepAlive } : {}),
      });
      if (!Array.isArray(res.embeddings) || res.embeddings.length !== texts.length) {
        throw new ProviderError(
          'PROVIDER_ERROR',
          `Ollama returned ${res.embeddings?.length ?? 0} embeddings for ${texts.length} inputs`,
          { retryable: true },
        );
      }
      return res.embeddings;
    });
  }

  /** Context length the model supports, from /api/show (cached per instance). */
  contextLength(model: string, signal?: AbortSignal): Promise<number | undefined> {
    let p = this.contextCache.get(model);
    if (!p) {
      p = this.call(signal, model, async (f) =>
        contextLengthOf(((await this.getJson(f, '/api/show', { model }, model)) as ShowInfo).model_info),
      );
      p.catch(() => this.contextCache.delete(model));
      this.contextCache.set(model, p);
    }
    return p;
  }

  async listModels(signal?: AbortSignal): Promise<DiscoveredModel[]> {
    return this.call(signal, undefined, async (f) => {
      const tags = ((await this.getJson(f, '/api/tags')) as { models?: TagEntry[] | null }).models ?? [];
      return mapLimit(tags, 4, async (t) => {
        let show: ShowInfo = {};
        try {
          show = (await this.getJson(f, '/api/show', { model: t.name }, t.name)) as ShowInfo;
        } catch (e) {
          // One model failing /api/show (e.g. a broken blob) must not hide the others.
          if (isAbortError(e) || (isAppError(e) && e.code === 'PROVIDER_UNREACHABLE')) throw e;
        }
        const ctx = contextLengthOf(show.model_info);
        if (ctx !== undefined) this.contextCache.set(t.name, Promise.resolve(ctx));
        const family = show.details?.family ?? t.details?.family;
        const caps = show.capabilities ?? t.capabilities ?? inferCapabilities(t.name, family);
        return {
          provider: 'ollama',
          endpoint: this.endpoint,
          model: t.name,
          sizeBytes: t.size,
          contextLength: ctx,
          family,
          parameterSize: t.details?.parameter_size,
          quantization: t.details?.quantization_level,
          capabilities: caps,
          embedding: caps.includes('embedding') && !caps.includes('completion'),
        } satisfies DiscoveredModel;
      });
    });
  }

  async health(signal?: AbortSignal): Promise<ProviderHealth> {
    const started = performance.now();
    try {
      const v = (await this.call(signal, undefined, (f) => this.getJson(f, '/api/version'))) as { version?: string };
      return {
        ok: true,
        endpoint: this.endpoint,
        version: v.version,
        latencyMs: Math.round(performance.now() - started),
      };
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

/** Servers older than the capabilities field: embedding families and names are recognisable. */
function inferCapabilities(name: string, family?: string): string[] {
  return /bert|embed/i.test(`${family ?? ''} ${name}`) ? ['embedding'] : ['completion'];
}
