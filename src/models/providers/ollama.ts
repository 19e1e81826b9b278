import { ConfigError, ProviderError } from '../../errors.js';
import { mapLimit } from '../../util/map-limit.js';
import type {
  CapacityReport,
  ChatChunk,
  ChatRequest,
  DiscoveredModel,
  LoadState,
  ModelProvider,
  ProviderHealth,
  PullProgress,
} from '../types.js';
import { probeHealth, wireError } from './call.js';
import { errorBodyMessage, httpError, truncatedStream } from './errors.js';
import { fetchJson } from './http-json.js';
import { postStream, type StreamBody } from './http-stream.js';
import { parseChatLine, readNdjson, readNdjsonBatches } from './ndjson.js';
import type { ProviderOptions } from './options.js';

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

interface ChatLine {
  message?: { content?: string; thinking?: string };
  response?: string;
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

/** Ollama's keep_alive when neither the request nor OLLAMA_KEEP_ALIVE sets one. */
const DEFAULT_KEEP_ALIVE_MS = 300_000;

interface PsEntry {
  name?: string;
  model?: string;
  expires_at?: string;
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

/** keep_alive ("10m", "1h30m", "300s", 300) in milliseconds; undefined when not a plain duration. */
export function keepAliveMs(v: string | undefined): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let m: RegExpExecArray | null;
  let seen = '';
  while ((m = re.exec(v))) {
    total += Number(m[1]) * unit[m[2]!]!;
    seen += m[0];
  }
  return seen === v ? total : undefined;
}

/**
 * Ollama through its native API, with no SDK (`health` stays light): plain fetch for JSON calls,
 * node:http for streamed answers (chat, pull; http-stream.ts). Chat always streams NDJSON, so a
 * cold model load never waits on a header timeout; `options.num_ctx` is sent so the runner is not
 * reloaded for a new context size.
 */
export class OllamaProvider implements ModelProvider {
  readonly kind = 'ollama' as const;
  readonly endpoint: string;
  private readonly f: typeof fetch;
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
    this.f = opts.fetch ?? fetch;
  }

  private json(path: string, body: unknown, signal: AbortSignal | undefined, model?: string): Promise<unknown> {
    return fetchJson(
      this.f,
      `${this.endpoint}${path}`,
      { ...(body === undefined ? {} : { json: body }), ...(signal ? { signal } : {}) },
      (status, message) => httpError('ollama', this.endpoint, status, message, model),
    );
  }

  private async wire<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw wireError(e, 'ollama', this.endpoint, signal);
    }
  }

  /**
   * POSTs and returns the streaming body; a non-2xx answer becomes the mapped HTTP error. Over
   * node:http (http-stream.ts) unless the provider was given a fetch of its own.
   */
  private async stream(path: string, body: unknown, signal: AbortSignal | undefined, model?: string) {
    const init = {
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    };
    const url = `${this.endpoint}${path}`;
    const res = this.opts.fetch ? await this.f(url, { method: 'POST', ...init }) : await postStream(url, init);
    if (!res.ok || !res.body) {
      throw httpError('ollama', this.endpoint, res.status, errorBodyMessage(await res.text()) || res.statusText, model);
    }
    return res.body;
  }

  async *chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const options: Record<string, number> = {};
    if (req.contextLength) options.num_ctx = req.contextLength;
    if (req.temperature !== undefined) options.temperature = req.temperature;
    if (req.seed !== undefined) options.seed = req.seed;
    if (req.maxTokens !== undefined) options.num_predict = req.maxTokens;
    if (this.opts.threads) options.num_thread = this.opts.threads;
    let body: ReadableStream<Uint8Array> | StreamBody | undefined;
    let finished = false;
    try {
      body = await this.stream(
        '/api/chat',
        {
          model: req.model,
          messages: req.messages,
          stream: true,
          ...(req.jsonSchema ? { format: req.jsonSchema } : {}),
          options,
          ...(this.opts.keepAlive ? { keep_alive: this.opts.keepAlive } : {}),
        },
        signal,
        req.model,
      );
      // One network read can carry many frames (a fast server, a busy client): their text goes up as
      // one delta, so the executor, the deadlines and the stream parser take one step per read.
      read: for await (const batch of readNdjsonBatches(body, 'Ollama', parseChatLine)) {
        let text = '';
        let alive = false;
        for (const raw of batch) {
          const part = raw as ChatLine;
          // An {"error": …} line inside a 200 stream: the runner failed while answering.
          if (part.error !== undefined) {
            if (text) yield { type: 'delta', text };
            throw this.streamError(part.error, req.model);
          }
          const piece = part.message?.content;
          if (piece) text += piece;
          else if (!part.done) alive = true;
          if (part.done) {
            finished = true;
            if (text) yield { type: 'delta', text };
            yield {
              type: 'done',
              usage: { promptTokens: part.prompt_eval_count ?? 0, completionTokens: part.eval_count ?? 0 },
              ...(part.done_reason ? { finishReason: part.done_reason } : {}),
            };
            break read;
          }
        }
        if (text) yield { type: 'delta', text };
        else if (alive) yield { type: 'alive' };
      }
      if (!finished) throw truncatedStream('ollama', this.endpoint);
    } catch (e) {
      throw wireError(e, 'ollama', this.endpoint, signal);
    } finally {
      // Closing the body stops the server generating when the caller stops reading early.
      if (!finished) body?.cancel().catch(() => undefined);
    }
  }

  private streamError(message: string, model: string): ProviderError {
    const mapped = httpError('ollama', this.endpoint, undefined, message, model);
    if (mapped.code !== 'PROVIDER_ERROR' || !mapped.retryable) return mapped;
    return new ProviderError('PROVIDER_ERROR', `Ollama at ${this.endpoint} failed while answering: ${message}`, {
      retryable: true,
      hint: 'the model runner failed; it will be retried',
      details: { endpoint: this.endpoint, model },
    });
  }

  async embed(model: string, texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    return this.wire(signal, async () => {
      const res = (await this.json(
        '/api/embed',
        { model, input: texts, ...(this.opts.keepAlive ? { keep_alive: this.opts.keepAlive } : {}) },
        signal,
        model,
      )) as { embeddings?: number[][] };
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
      p = this.wire(signal, async () =>
        contextLengthOf(((await this.json('/api/show', { model }, signal, model)) as ShowInfo).model_info),
      );
      p.catch(() => this.contextCache.delete(model));
      this.contextCache.set(model, p);
    }
    return p;
  }

  private async tags(signal?: AbortSignal): Promise<TagEntry[]> {
    return ((await this.json('/api/tags', undefined, signal)) as { models?: TagEntry[] | null }).models ?? [];
  }

  private discovered(t: TagEntry, show: ShowInfo = {}): DiscoveredModel {
    const ctx = contextLengthOf(show.model_info);
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
    };
  }

  async listModels(signal?: AbortSignal): Promise<DiscoveredModel[]> {
    return this.wire(signal, async () =>
      mapLimit(await this.tags(signal), 4, async (t) => {
        let show: ShowInfo = {};
        try {
          show = (await this.json('/api/show', { model: t.name }, signal, t.name)) as ShowInfo;
        } catch {
          // /api/tags answered, so the server is up: a model whose details fail or come late (a broken
          // blob, a busy machine) is still listed; its context length is asked again before a call.
        }
        const d = this.discovered(t, show);
        if (d.contextLength !== undefined) this.contextCache.set(t.name, Promise.resolve(d.contextLength));
        return d;
      }),
    );
  }

  health(signal?: AbortSignal): Promise<ProviderHealth> {
    return probeHealth('ollama', this.endpoint, signal, async () => {
      // Version and the tag list only (no per-model /api/show): a probe must answer in a second or two.
      const [v, tags] = await this.wire(signal, () =>
        Promise.all([this.json('/api/version', undefined, signal) as Promise<{ version?: string }>, this.tags(signal)]),
      );
      return { ...(v.version ? { version: v.version } : {}), models: tags.map((t) => this.discovered(t)) };
    });
  }

  /**
   * Models in memory from /api/ps. Ollama registers a runner there as soon as its load starts; the
   * `expires_at` of a runner that has not been idle since its load began is reported as "now + keep
   * alive" (a time that moves with the clock; Go's zero time before 0.12), while an idle runner's
   * expiry is fixed. A listed model whose expiry is the zero time, or sits at the server's now plus
   * our keep_alive or Ollama's default 5 minutes, is counted as loading (or busy since its load).
   */
  async loadState(signal?: AbortSignal): Promise<LoadState> {
    return this.wire(signal, async () => {
      const res = await this.f(`${this.endpoint}/api/ps`, { headers: { accept: 'application/json' }, signal });
      if (!res.ok) throw httpError('ollama', this.endpoint, res.status, errorBodyMessage(await res.text()));
      const ps = ((await res.json()) as { models?: PsEntry[] | null }).models ?? [];
      const keeps = [keepAliveMs(this.opts.keepAlive), DEFAULT_KEEP_ALIVE_MS].filter((k): k is number => !!k);
      // Our clock, unless the server's differs (a remote host): then its Date header (1 s resolution).
      const local = Date.now();
      const header = Date.parse(res.headers.get('date') ?? '');
      const skewed = Number.isFinite(header) && Math.abs(header - local) > 3_000;
      const serverNow = skewed ? header + 500 : local;
      const tolerance = skewed ? 1_500 : 1_000;
      const loaded: string[] = [];
      const loading: string[] = [];
      for (const m of ps) {
        const name = m.name ?? m.model;
        if (!name) continue;
        loaded.push(name);
        const exp = Date.parse(m.expires_at ?? '');
        const zero = Number.isFinite(exp) && exp < Date.UTC(1971, 0, 1);
        if (zero || (Number.isFinite(exp) && keeps.some((k) => Math.abs(exp - (serverNow + k)) <= tolerance)))
          loading.push(name);
      }
      return { loaded, loading };
    });
  }

  /** Ollama does not report its parallel slots (OLLAMA_NUM_PARALLEL); /api/ps says whether the model is in memory. */
  async capacity(model: string, signal?: AbortSignal): Promise<CapacityReport> {
    const { loaded } = await this.loadState(signal);
    const base = (n: string) => n.replace(/:latest$/, '');
    return { source: 'Ollama /api/ps', loaded: loaded.some((n) => base(n) === base(model)) };
  }

  /**
   * Loads a model into memory: an empty generate, answered once the load is done (`done_reason:
   * load`); an embedding-only model (which refuses generate) is loaded by embedding one character.
   */
  async preload(model: string, signal?: AbortSignal): Promise<void> {
    const keep = this.opts.keepAlive ? { keep_alive: this.opts.keepAlive } : {};
    await this.wire(signal, async () => {
      const show = (await this.json('/api/show', { model }, signal, model)) as ShowInfo;
      const caps = show.capabilities ?? inferCapabilities(model, show.details?.family);
      if (caps.includes('embedding') && !caps.includes('completion'))
        await this.json('/api/embed', { model, input: ['.'], ...keep }, signal, model);
      else await this.json('/api/generate', { model, stream: false, ...keep }, signal, model);
    });
  }

  /**
   * Pulls a model through /api/pull (NDJSON progress). Ollama reports errors inside the 200
   * stream (`{"error": …}`), so every line is checked; success is the `success` line.
   */
  async pull(model: string, onProgress?: (p: PullProgress) => void, signal?: AbortSignal): Promise<void> {
    await this.wire(signal, async () => {
      const body = await this.stream('/api/pull', { model, stream: true }, signal, model);
      let success = false;
      for await (const raw of readNdjson(body, 'Ollama')) {
        const msg = raw as PullProgress & { error?: string };
        if (msg.error) {
          throw new ProviderError('MODEL_NOT_FOUND', `pull of ${model} failed: ${msg.error}`, {
            hint: 'check the model name and tag on https://ollama.com/library',
            details: { endpoint: this.endpoint, model },
          });
        }
        onProgress?.(msg);
        if (msg.status === 'success') success = true;
      }
      if (!success) {
        throw new ProviderError('PROVIDER_ERROR', `pull of ${model} ended without success`, {
          hint: `retry, or run \`ollama pull ${model}\``,
          details: { endpoint: this.endpoint, model },
          retryable: true,
        });
      }
    });
  }
}

/** Servers older than the capabilities field: embedding families and names are recognisable. */
function inferCapabilities(name: string, family?: string): string[] {
  return /bert|embed/i.test(`${family ?? ''} ${name}`) ? ['embedding'] : ['completion'];
}
