import { ProviderError } from '../../errors.js';
import { Semaphore } from '../../util/semaphore.js';
import { resolveChatWrapperRemembered } from './chat-wrapper.js';
import type { GgufInfo } from './gguf.js';
import type {
  Llama,
  LlamaChatWrapper,
  LlamaContext,
  LlamaEmbeddingContext,
  LlamaModel,
  LlamaModule,
  LlamaSequence,
} from './runtime.js';

/**
 * A model loaded once per process and shared by every provider instance that names the same
 * file, with one context per context size (so a constant size per model never reloads) and a
 * pool of that context's sequences: llama.cpp runs up to `sequences` conversations in one
 * context, and callers beyond that wait for a free one instead of failing "No sequences left".
 */

/** A context's sequences, handed out one caller at a time (the one semaphore bounds the holders). */
export class SequencePool {
  private readonly free: LlamaSequence[] = [];
  private readonly slots: Semaphore;
  constructor(
    readonly context: LlamaContext,
    size: number,
  ) {
    this.slots = new Semaphore(size);
  }

  /** A sequence for exclusive use; waits while all are busy (ABORTED if the signal fires first). */
  async acquire(signal?: AbortSignal): Promise<LlamaSequence> {
    await this.slots.acquire(signal);
    try {
      return this.free.pop() ?? this.context.getSequence();
    } catch (e) {
      this.slots.release();
      throw e;
    }
  }

  /** Gives a sequence back (to the next waiter first). */
  release(seq: LlamaSequence): void {
    this.free.push(seq);
    this.slots.release();
  }
}

// One chat wrapper per loaded model, shared by its adapters' entries: node-llama-cpp resolves it by
// rendering the model's Jinja template against every compatible built-in wrapper (about a second of
// CPU for a ChatML template), and a session left at 'auto' did that again for every answer.
const wrappers = new WeakMap<LlamaModel, Promise<LlamaChatWrapper>>();

/** A loaded model with its lazily created contexts. */
export class LoadedModel {
  private readonly contexts = new Map<number, Promise<SequencePool>>();
  private embedding?: Promise<{ ctx: LlamaEmbeddingContext; size: number }>;

  constructor(
    readonly llama: Llama,
    readonly model: LlamaModel,
    readonly info: GgufInfo,
    readonly threads: number,
    /** A LoRA adapter applied to every context; the model itself then belongs to the base's entry. */
    readonly lora?: string,
  ) {}

  /** The chat wrapper node-llama-cpp picks for this model ('auto'), resolved once per process. */
  chatWrapper(m: LlamaModule, store: string): Promise<LlamaChatWrapper> {
    let w = wrappers.get(this.model);
    if (!w) {
      w = resolveChatWrapperRemembered(m, this.llama, this.model, { path: this.info.path, store });
      wrappers.set(this.model, w);
      w.catch(() => wrappers.delete(this.model));
    }
    return w;
  }

  /** The sequence pool of the context of this size (created on first use). */
  pool(contextSize: number, sequences: number): Promise<SequencePool> {
    let p = this.contexts.get(contextSize);
    if (!p) {
      const lora = this.lora ? { lora: { adapters: [{ filePath: this.lora }] } } : {};
      p = this.model.createContext({ contextSize, sequences, threads: this.threads, ...lora }).then(
        (ctx) => new SequencePool(ctx, sequences),
        (e: unknown) => {
          this.contexts.delete(contextSize);
          throw contextError(this.info.path, contextSize, e);
        },
      );
      this.contexts.set(contextSize, p);
    }
    return p;
  }

  /** The embedding context (one per model). */
  embeddingContext(contextSize: number): Promise<{ ctx: LlamaEmbeddingContext; size: number }> {
    this.embedding ??= this.model.createEmbeddingContext({ contextSize, threads: this.threads }).then(
      (ctx) => ({ ctx, size: contextSize }),
      (e: unknown) => {
        this.embedding = undefined;
        throw contextError(this.info.path, contextSize, e);
      },
    );
    return this.embedding;
  }

  /** Frees the contexts and the model. */
  async dispose(): Promise<void> {
    for (const p of this.contexts.values()) await (await p.catch(() => undefined))?.context.dispose();
    await (await this.embedding?.catch(() => undefined))?.ctx.dispose();
    if (!this.lora) await this.model.dispose();
  }
}

function contextError(path: string, size: number, e: unknown): ProviderError {
  return new ProviderError(
    'PROVIDER_ERROR',
    `could not create a ${size}-token context for ${path}: ${(e as Error).message}`,
    {
      hint: 'lower contextLength for this model in local.registry, or free some memory',
      cause: e,
      retryable: false,
      details: { provider: 'llama-cpp', path, problem: 'context' },
    },
  );
}
