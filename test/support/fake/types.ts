import type { IncomingHttpHeaders } from 'node:http';

/** A model the fake server knows. */
export interface FakeModel {
  name: string;
  contextLength?: number;
  embedding?: boolean;
  family?: string;
  sizeBytes?: number;
  capabilities?: string[];
  /** false = not present yet, but `POST /api/pull` can fetch it. Default true. */
  pulled?: boolean;
  /** Time a cold load of this model takes (overrides the server's `loadMs`). */
  loadMs?: number;
  /** The base model of a model made by `POST /api/create` (shown as `details.parent_model`). */
  parent?: string;
  /** Adapter blob digests applied to the base (a model made by `POST /api/create` with `adapters`). */
  adapters?: string[];
}

/** A scripted answer. `json` is serialised; `status`/`error` give an HTTP error (default 500). */
export interface FakeReply {
  content?: string;
  json?: unknown;
  status?: number;
  error?: string;
  delayMs?: number;
  /** Only a request for this model takes the reply (":latest" may be omitted). */
  model?: string;
}

/** What `script(fn)` sees for each chat request. */
export interface ScriptContext {
  api: 'ollama' | 'openai' | 'anthropic';
  path: string;
  model: string;
  messages: Array<{ role: string; content: string }>;
  schema?: Record<string, unknown>;
  body: Record<string, unknown>;
}

export type FaultKind =
  | {
      kind: 'status';
      status: number;
      message?: string /** error body shape; default per API */;
      shape?: 'string' | 'object' | 'text';
    }
  | { kind: 'hang' }
  | { kind: 'latency'; ms: number }
  | { kind: 'malformed' }
  | { kind: 'truncated' }
  | { kind: 'schema-break' }
  | { kind: 'fenced' }
  | { kind: 'prose' }
  | { kind: 'think' }
  | { kind: 'mid-stream-error'; message?: string }
  | { kind: 'drop' }
  /** Streams part of the answer, then closes without the final done chunk / [DONE]. */
  | { kind: 'no-done' }
  /**
   * Sends headers and the first `afterPieces` stream pieces (default 2), then goes silent until the
   * client gives up. `afterPieces: 0` flushes the headers and sends nothing; a non-streamed request
   * gets its headers and no body.
   */
  | { kind: 'stall'; afterPieces?: number }
  /** This request finds its model unloaded and waits `ms` for a load that `/api/ps` reports meanwhile. */
  | { kind: 'slow-load'; ms: number }
  /**
   * The whole server dies (listener closed, every socket destroyed): at once, or on a chat request
   * after streaming `afterPieces` pieces.
   */
  | { kind: 'die'; afterPieces?: number };

/**
 * A fault for the next `times` matching requests (default 1). Without `path` it matches model
 * calls (chat, generate, embed, messages); answer-shaping kinds only ever touch chat answers.
 */
export type Fault = FaultKind & { times?: number; path?: RegExp; model?: string };

/** One recorded request. */
export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  headers: IncomingHttpHeaders;
  time: number;
}

export type Flavor = 'ollama' | 'lmstudio' | 'localai' | 'llamacpp' | 'vllm';

/**
 * The compute model (see compute.ts). Rates default to infinite (no cost), `slots` to 1. With
 * `promptTimeMs` every prompt costs that fixed time whatever is cached (the token-rate mode).
 */
export interface ComputeOptions {
  prefillTokensPerSec?: number;
  decodeTokensPerSec?: number;
  slots?: number;
  promptTimeMs?: number;
  /** 'slot' (llama.cpp, Ollama: each slot keeps its last sequence), 'global' (vLLM), 'none'. */
  cache?: 'slot' | 'global' | 'none';
  /** Cached prefixes count in whole blocks of this many tokens (default 16 with a global cache, else 1). */
  cacheBlock?: number;
}

/** Sizes of schema-driven answers: words per string and items per array, by property name ('*' = any). */
export interface AnswerShape {
  stringWords?: number | Record<string, number>;
  arrayItems?: number | Record<string, number>;
}

/** Values the capacity endpoints report instead of the truth (`/props`, `/slots`, `/metrics`). */
export interface CapacityReport {
  totalSlots?: number;
  running?: number;
  waiting?: number;
  /** Answer capacity endpoints with a body of the wrong shape. */
  malformed?: boolean;
}

/** What one generation reports (Ollama's, llama.cpp's and OpenAI's counters are derived from it). */
export interface RunUsage {
  /** Slot that ran it (null without a compute model). */
  slot: number | null;
  promptTokens: number;
  /** Prompt tokens found in the KV cache (the shared prefix). */
  cachedTokens: number;
  /** Prompt tokens evaluated: promptTokens - cachedTokens. */
  evaluatedTokens: number;
  generatedTokens: number;
  queuedMs: number;
  loadMs: number;
  prefillMs: number;
  decodeMs: number;
}

/** One chat request as the compute model saw it. */
export interface RequestRecord extends RunUsage {
  id: number;
  path: string;
  model: string;
  start: number;
  end: number;
  /** The client went away before the answer was complete. */
  aborted: boolean;
}

/** Token counters since the start (or the last reset). */
export interface TokenStats {
  requests: number;
  promptTokens: number;
  cachedTokens: number;
  evaluatedTokens: number;
  generatedTokens: number;
  records: RequestRecord[];
}

/** State of one slot. */
export interface SlotInfo {
  id: number;
  busy: boolean;
  taskId: number;
  /** Length of the token sequence the slot's KV cache holds. */
  cachedTokens: number;
  decoded: number;
}

/** A model made by `POST /api/create`. */
export interface CreatedModel {
  name: string;
  from?: string;
  files: Record<string, string>;
  adapters: Record<string, string>;
  system?: string;
  template?: string;
  parameters?: Record<string, unknown>;
  time: number;
}

/** Options of startFakeServer. */
export interface FakeServerOptions {
  models?: FakeModel[];
  /** Fixed delay before each chat/embed answer (benchmarks). */
  latencyMs?: number;
  /**
   * false: every stream frame is one write, as a real server writes its lines (benchmarks). By
   * default the first frame of each stream, and any frame with non-ASCII text, arrives in two
   * writes 2 ms apart, so clients must buffer partial lines and decode UTF-8 in streaming mode.
   */
  splitFrames?: boolean;
  flavor?: Flavor;
  embeddingDim?: number;
  version?: string;
  port?: number;
  /** Return /v1/embeddings data in reverse index order (clients must sort by index). */
  shuffleEmbeddings?: boolean;
  /** Prefill/decode costs, slots and prefix caches; without it requests run at once and at no cost. */
  compute?: ComputeOptions;
  /** Realistic answer sizes for schema-driven answers. */
  answers?: AnswerShape;
  /**
   * Cold-load time of a model not loaded yet (Ollama, LM Studio: the request waits without headers;
   * llama.cpp: the server answers 503 "Loading model" for this long after start).
   */
  loadMs?: number;
  /** Models loaded from the start (no load time). */
  preload?: string[];
  /**
   * `expires_at` of a model still loading in `/api/ps`: 'session' (now + keep-alive, Ollama since
   * 0.12) or 'zero' (Go's zero time, older Ollama).
   */
  loadingExpiry?: 'session' | 'zero';
}

/** A running fake LLM server. */
export interface FakeServer {
  readonly url: string;
  readonly port: number;
  readonly flavor: Flavor;
  readonly requests: RecordedRequest[];
  enqueue(...replies: FakeReply[]): void;
  script(fn: ((ctx: ScriptContext) => FakeReply | undefined) | undefined): void;
  setModels(models: FakeModel[]): void;
  models(): FakeModel[];
  fault(f: Fault): void;
  failRate(opts: { probability: number; seed?: number; status?: number; path?: RegExp }): void;
  /** Requests seen per path. */
  counts(): Record<string, number>;
  /** Clears requests, token counters, queued replies, script, faults, fail rate and capacity lies (models, KV caches and blobs stay). */
  reset(): void;
  /** Token counters and per-request records (slot, cached prefix, timings). */
  tokens(): TokenStats;
  /** Slot states of a model's runner (the first runner when no model is named). */
  slots(model?: string): SlotInfo[];
  /** Chat requests generating now (holding a slot) and waiting in the queue. */
  inFlight(): { running: number; waiting: number };
  /** Empties every KV cache (a cold server). */
  clearCache(): void;
  /** Makes capacity endpoints report these values (undefined = the truth again). */
  lieCapacity(report: CapacityReport | undefined): void;
  /** Models made by `POST /api/create`, in order. */
  readonly created: CreatedModel[];
  /** Digests of the blobs pushed with `POST /api/blobs/:digest`. */
  blobs(): string[];
  /** Simulates the endpoint dying: stops listening and destroys every open connection. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

/** A planned chat answer, before it is framed for a given API. */
export interface Planned {
  content: string;
  finishReason: 'stop' | 'length';
  /** Stream this many content pieces, then fail with this message (HTTP 200 already sent). */
  midStreamError?: { afterPieces: number; message: string };
  /** Go silent after this many pieces (headers already sent). */
  stallAfter?: number;
  /** Kill the whole server after this many pieces. */
  dieAfter?: number;
  /** End the stream without a done/[DONE] marker. */
  noDone?: boolean;
  /** Served model name (may differ from the request, e.g. LM Studio's single-model quirk). */
  model: string;
}
