import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { abortedError, ProviderError, isAppError } from '../../errors.js';
import type { ChatChunk, ChatRequest, DiscoveredModel, ModelProvider, ProviderHealth } from '../types.js';
import { chatWrapperStore } from '../embedded/chat-wrapper.js';
import { describeGguf, discoverEmbeddedModels } from '../embedded/discover.js';
import { ggufError, readGgufInfo, type GgufInfo } from '../embedded/gguf.js';
import { tightenNumberRules, toGrammarSchema } from '../embedded/grammar-schema.js';
import { LoadedModel } from '../embedded/loaded-model.js';
import { LORA_SEPARATOR, checkLoraAdapter, splitLoraModel } from '../embedded/lora.js';
import { OLLAMA_PREFIX, resolveOllamaModel } from '../embedded/ollama-store.js';
import { availableMemory, checkMemory, pickThreads } from '../embedded/resources.js';
import { getRuntime, loadLlamaModule, nativeLog, type LlamaHistoryItem } from '../embedded/runtime.js';

/**
 * The embedded provider: GGUF models run in-process by llama.cpp through node-llama-cpp, so the
 * tool works with no server at all. The model is a GGUF path or `ollama:<name>` (a model Ollama
 * has pulled, read straight from its blob store). Every bad input is checked before the native
 * library sees it and fails with one ProviderError line, so the model API's fallback continues.
 */

/** Options of the embedded provider (createProvider passes endpoint and threads). */
export interface LlamaCppOptions {
  /** GGUF path or `ollama:<name>`; used when a request names no model. */
  endpoint: string;
  /** CPU threads; 0 or unset = 1 for tiny models, else physical cores. */
  threads?: number;
  /** Context size when the request gives none (capped at the model's training context). */
  contextLength?: number;
  /** Conversations one context runs at once. */
  sequences?: number;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Free-memory probe (tests make a model "too large" with it). */
  availableMemory?: () => number;
}

const DEFAULT_CONTEXT = 4096;
const EMBEDDING_CONTEXT = 2048;
/** Same cap the catalog applies to discovered models. */
const CONTEXT_CAP = 8192;
const DEFAULT_SYSTEM = 'You are a helpful assistant.';
const DEFAULT_SEED = 1;
/** Two conversations at once: on CPU more mostly add KV-cache memory, not speed; extra callers wait. */
const DEFAULT_SEQUENCES = 2;

// Shared by every provider instance in the process: a model file is loaded once.
const loaded = new Map<string, Promise<LoadedModel>>();

/** Runs GGUF models in-process; see the file comment. */
export class LlamaCppProvider implements ModelProvider {
  readonly kind = 'llama-cpp' as const;
  readonly endpoint: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly opts: LlamaCppOptions) {
    this.endpoint = opts.endpoint;
    this.env = opts.env ?? process.env;
  }

  /** Parallel conversations per context (each costs a full context of KV cache). */
  private get sequences(): number {
    return Math.max(1, this.opts.sequences ?? DEFAULT_SEQUENCES);
  }

  /** Absolute GGUF path for a model reference (Ollama names resolved to their blob). */
  resolvePath(model?: string): string {
    const ref = splitLoraModel(model || this.endpoint).base;
    if (!ref) {
      throw new ProviderError('MODEL_NOT_FOUND', 'no GGUF model given to the embedded provider', {
        hint: 'add one with `task-master-local models --add <alias> --provider llama-cpp --model <file.gguf>`',
        details: { provider: 'llama-cpp' },
      });
    }
    if (ref.startsWith(OLLAMA_PREFIX)) return resolveOllamaModel(ref, { env: this.env, home: this.opts.home });
    return resolve(ref);
  }

  /** GGUF header of a model, with every check that needs no native code. */
  inspect(model?: string): GgufInfo {
    return readGgufInfo(this.resolvePath(model));
  }

  private contextSize(info: GgufInfo, requested?: number): number {
    const want = requested ?? this.opts.contextLength ?? DEFAULT_CONTEXT;
    return Math.max(256, Math.min(want, info.contextLength ?? want));
  }

  /** A base model with a LoRA adapter: the adapter checked against the base, then the base's weights shared. */
  private loadWithAdapter(base: string, adapter: string, contextSize?: number): Promise<LoadedModel> {
    const key = `${this.resolvePath(base)}${LORA_SEPARATOR}${resolve(adapter)}`;
    const existing = loaded.get(key);
    if (existing) return existing;
    let info: GgufInfo;
    try {
      info = this.inspect(base);
      checkLoraAdapter(info, readGgufInfo(resolve(adapter)));
    } catch (e) {
      return Promise.reject(e);
    }
    const p = this.load(base, contextSize).then(
      (b) => new LoadedModel(b.llama, b.model, info, b.threads, resolve(adapter)),
    );
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
    return p;
  }

  /** Loads (once) and returns the model, after the header, architecture and memory checks. */
  private load(model: string | undefined, contextSize?: number): Promise<LoadedModel> {
    const lora = model ? splitLoraModel(model) : undefined;
    if (lora?.adapter) return this.loadWithAdapter(lora.base, lora.adapter, contextSize);
    let info: GgufInfo;
    try {
      info = this.inspect(model);
    } catch (e) {
      return Promise.reject(e);
    }
    const key = info.path;
    const existing = loaded.get(key);
    if (existing) return existing;
    // Registered before the first await, so concurrent first calls share one load.
    const p = (async () => {
      const m = await loadLlamaModule(this.env);
      const known = new Set(Object.values(m.GgufArchitectureType));
      if (!info.architecture || !known.has(info.architecture)) {
        throw ggufError(
          'unknown-architecture',
          info.path,
          `${info.path} uses architecture '${info.architecture ?? '(none)'}', which this llama.cpp build does not know`,
          'use a model of a supported architecture (llama, qwen2, gemma, phi3, mistral, …) or update node-llama-cpp',
        );
      }
      // node-llama-cpp gives each sequence its own KV cache of the full context size.
      checkMemory(
        info,
        this.contextSize(info, contextSize) * this.sequences,
        (this.opts.availableMemory ?? availableMemory)(),
      );
      const llama = await getRuntime(this.env);
      nativeLog.length = 0;
      try {
        const lm = await llama.loadModel({ modelPath: info.path });
        return new LoadedModel(llama, lm, info, pickThreads(this.opts.threads, info.sizeBytes));
      } catch (e) {
        const why = nativeLog.filter((l) => /error|unknown|failed/i.test(l)).pop() ?? (e as Error).message;
        throw new ProviderError('PROVIDER_ERROR', `llama.cpp could not load ${info.path}: ${why}`, {
          hint: 'the file may be corrupt or made for a newer llama.cpp; try another GGUF or update node-llama-cpp',
          cause: e,
          retryable: false,
          details: { provider: 'llama-cpp', path: info.path, problem: 'load-failed' },
        });
      }
    })();
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
    return p;
  }

  async listModels(): Promise<DiscoveredModel[]> {
    const ref = this.endpoint;
    if (ref && !ref.startsWith(OLLAMA_PREFIX) && statSync(resolve(ref), { throwIfNoEntry: false })?.isDirectory()) {
      return discoverEmbeddedModels({ modelDirs: [ref], includeOllama: false, env: this.env, home: this.opts.home })
        .models;
    }
    if (!ref) return discoverEmbeddedModels({ env: this.env, home: this.opts.home }).models;
    return [describeGguf(this.inspect(ref), ref.startsWith(OLLAMA_PREFIX) ? ref : resolve(ref))];
  }

  async *chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const lm = await this.load(req.model, req.contextLength);
    if (signal?.aborted) throw generationError(signal.reason, lm.info.path, signal);
    const contextSize = this.contextSize(lm.info, req.contextLength);
    const pool = await lm.pool(contextSize, this.sequences);
    const seq = await pool.acquire(signal);
    const m = await loadLlamaModule(this.env);
    const system = req.messages
      .filter((x) => x.role === 'system')
      .map((x) => x.content)
      .join('\n\n');
    const rest = req.messages.filter((x) => x.role !== 'system');
    const lastUser = rest.map((x) => x.role).lastIndexOf('user');
    const history: LlamaHistoryItem[] = [{ type: 'system', text: system || DEFAULT_SYSTEM }];
    for (const msg of rest.slice(0, Math.max(0, lastUser))) {
      history.push(
        msg.role === 'user' ? { type: 'user', text: msg.content } : { type: 'model', response: [msg.content] },
      );
    }
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const before = { in: seq.tokenMeter.usedInputTokens, out: seq.tokenMeter.usedOutputTokens };
    const chunks: string[] = [];
    let wake: (() => void) | undefined;
    let outcome: { ok: true; stopReason: string } | { ok: false; error: unknown } | undefined;
    let session: InstanceType<typeof m.LlamaChatSession> | undefined;
    let started = false;
    try {
      // A reused sequence starts empty so answers depend only on this request (and its seed).
      await seq.clearHistory();
      session = new m.LlamaChatSession({
        contextSequence: seq,
        systemPrompt: system || DEFAULT_SYSTEM,
        autoDisposeSequence: false,
        chatWrapper: await lm.chatWrapper(m, chatWrapperStore(this.env, this.opts.home)),
      });
      session.setChatHistory(history);
      const grammar = req.jsonSchema ? await this.grammar(lm, req.jsonSchema) : undefined;
      started = true;
      void session
        .promptWithMeta(lastUser >= 0 ? rest[lastUser]!.content : '', {
          grammar,
          // Without a cap node-llama-cpp shifts the context and can generate forever.
          maxTokens: Math.min(req.maxTokens ?? contextSize, contextSize),
          temperature: req.temperature ?? 0.2,
          // A fixed default seed: the same prompt gets the same answer (cache, resumed runs, tests).
          seed: req.seed ?? DEFAULT_SEED,
          signal: stop.signal,
          onTextChunk: (t: string) => {
            chunks.push(t);
            wake?.();
          },
        })
        .then(
          (r) => (outcome = { ok: true, stopReason: r.stopReason }),
          (error: unknown) => (outcome = { ok: false, error }),
        )
        .finally(() => wake?.());
      for (;;) {
        if (chunks.length) {
          yield { type: 'delta', text: chunks.splice(0).join('') };
          continue;
        }
        if (outcome) break;
        await new Promise<void>((r) => {
          wake = r;
          if (chunks.length || outcome) r();
        });
      }
      const done = outcome as NonNullable<typeof outcome>;
      if (!done.ok) throw generationError(done.error, lm.info.path, signal);
      if (done.stopReason === 'abort') throw generationError(signal?.reason, lm.info.path, signal);
      yield {
        type: 'done',
        usage: {
          promptTokens: seq.tokenMeter.usedInputTokens - before.in,
          completionTokens: seq.tokenMeter.usedOutputTokens - before.out,
        },
        finishReason: done.stopReason === 'maxTokens' ? 'length' : 'stop',
      };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // A consumer that stops reading early must not leave llama.cpp generating into the void.
      if (started && !outcome) {
        stop.abort();
        await new Promise<void>((r) => {
          wake = r;
          if (outcome) r();
        });
      }
      session?.dispose({ disposeSequence: false });
      pool.release(seq);
    }
  }

  /** A grammar for the schema; a schema the compiler rejects still gets plain-JSON sampling. */
  private async grammar(lm: LoadedModel, schema: Record<string, unknown>) {
    try {
      const g = await lm.llama.createGrammarForJsonSchema(toGrammarSchema(schema));
      const tight = tightenNumberRules(g.grammar);
      return tight === g.grammar ? g : await lm.llama.createGrammar({ grammar: tight });
    } catch {
      return lm.llama.getGrammarFor('json');
    }
  }

  async embed(model: string, texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const lm = await this.load(model);
    const size = Math.min(lm.info.contextLength ?? EMBEDDING_CONTEXT, this.opts.contextLength ?? EMBEDDING_CONTEXT);
    const { ctx } = await lm.embeddingContext(size);
    const out: number[][] = [];
    for (const text of texts) {
      if (signal?.aborted) throw generationError(signal.reason, lm.info.path, signal);
      // Longer inputs than the context would throw; the head of a text carries its topic.
      const tokens = lm.model.tokenize(text || ' ').slice(0, size);
      out.push(Array.from((await ctx.getEmbeddingFor(tokens)).vector));
    }
    return out;
  }

  async health(): Promise<ProviderHealth> {
    const t0 = performance.now();
    try {
      const lm = await this.load(this.endpoint);
      return {
        ok: true,
        endpoint: this.endpoint,
        version: `llama.cpp ${lm.llama.llamaCppRelease.release}`,
        latencyMs: Math.round(performance.now() - t0),
      };
    } catch (e) {
      if (!isAppError(e)) throw e;
      return {
        ok: false,
        endpoint: this.endpoint,
        latencyMs: Math.round(performance.now() - t0),
        error: e.message,
        hint: e.hint,
      };
    }
  }

  /** The context to run with: the training context, capped (128k-token contexts would need GiBs of KV cache). */
  async contextLength(model: string): Promise<number | undefined> {
    const train = this.inspect(model).contextLength;
    return train === undefined ? undefined : Math.min(train, CONTEXT_CAP);
  }

  /** Frees every model this process loaded (tests, long-lived hosts). */
  static async disposeAll(): Promise<void> {
    const all = [...loaded.values()];
    loaded.clear();
    for (const p of all) await (await p.catch(() => undefined))?.dispose();
  }
}

function generationError(e: unknown, path: string, signal?: AbortSignal): Error {
  if (signal?.aborted) return e instanceof Error ? e : abortedError(signal, 'the embedded model call was aborted');
  if (isAppError(e)) return e;
  return new ProviderError(
    'PROVIDER_ERROR',
    `llama.cpp failed while generating with ${path}: ${(e as Error)?.message ?? String(e)}`,
    {
      hint: 'a larger contextLength helps when the prompt does not fit; otherwise try another model',
      cause: e,
      retryable: false,
      details: { provider: 'llama-cpp', path, problem: 'generation' },
    },
  );
}

/** Factory used by createProvider('llama-cpp', …) through a lazy import. */
export function createLlamaCppProvider(opts: LlamaCppOptions): LlamaCppProvider {
  return new LlamaCppProvider(opts);
}
