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
  /** Sends headers and the first pieces, then goes silent until the client gives up. */
  | { kind: 'stall' };

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

export type Flavor = 'ollama' | 'lmstudio' | 'localai';

/** Options of startFakeServer. */
export interface FakeServerOptions {
  models?: FakeModel[];
  /** Fixed delay before each chat/embed answer (benchmarks). */
  latencyMs?: number;
  flavor?: Flavor;
  embeddingDim?: number;
  version?: string;
  port?: number;
  /** Return /v1/embeddings data in reverse index order (clients must sort by index). */
  shuffleEmbeddings?: boolean;
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
  /** Clears requests, queued replies, script, faults and fail rate (models stay). */
  reset(): void;
  close(): Promise<void>;
}

/** A planned chat answer, before it is framed for a given API. */
export interface Planned {
  content: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  /** Stream this many content pieces, then fail with this message (HTTP 200 already sent). */
  midStreamError?: { afterPieces: number; message: string };
  /** Go silent after this many pieces (headers already sent). */
  stallAfter?: number;
  /** End the stream without a done/[DONE] marker. */
  noDone?: boolean;
  /** Served model name (may differ from the request, e.g. LM Studio's single-model quirk). */
  model: string;
}
