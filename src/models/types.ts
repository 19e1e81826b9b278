import type { ZodType } from 'zod';

export * from '../config/vocabulary.js';
import { SpecModelProvider } from '../config/vocabulary.js';
export type { CallRecord } from '../storage/metrics-repo.js';
import type { CallRecord } from '../storage/metrics-repo.js';
import type { ModelTier, ProviderKind, TaskType } from '../config/vocabulary.js';
import type { Role } from '../config/schema.js';

/** A model the tool can call: a registry entry, a task-master role, or a discovered model. */
export interface ModelRef {
  alias: string;
  provider: ProviderKind;
  model: string;
  /** Server base URL without API suffix, e.g. http://127.0.0.1:11434 or http://127.0.0.1:1234/v1 for OpenAI-style. */
  endpoint?: string;
  capabilities: TaskType[];
  contextLength?: number;
  tier?: ModelTier;
  /**
   * True for a local server kind on a loopback, private or trusted host, and for the embedded
   * provider; never for an external service kind (openai, anthropic, perplexity), whatever its host.
   */
  local: boolean;
  /** The task-master role this ref stands for, when it came from one (for messages). */
  role?: Role;
  /** Embedding model (used for embed(), never for chat). */
  embedding?: boolean;
  /**
   * A pool: every base URL serving this model (`endpoint` is the first). Requests go to the member
   * with the fewest outstanding requests relative to its capacity.
   */
  endpoints?: string[];
  /** Requests each endpoint runs at once, when configured (else discovered from the server, or learned). */
  capacity?: number;
  maxTokens?: number;
  temperature?: number;
}

export type ChatRole = 'system' | 'user' | 'assistant';
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /** JSON Schema for structured output (Ollama `format`, OpenAI `response_format.json_schema`). */
  jsonSchema?: Record<string, unknown>;
  temperature?: number;
  maxTokens?: number;
  /** Context window to ask for (Ollama num_ctx); keep constant per model to avoid reloads. */
  contextLength?: number;
  seed?: number;
}

/** Token counts as the server reports them. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /**
   * Prompt tokens the server answered from its prompt cache (part of promptTokens), when it says:
   * llama.cpp `timings.cache_n` / `tokens_cached`, OpenAI-style `usage.prompt_tokens_details.cached_tokens`.
   * Absent when the server does not report it (Ollama's prompt_eval_count counts only evaluated tokens).
   */
  cachedPromptTokens?: number;
}

/**
 * One piece of a streamed answer: text deltas, then one final chunk with usage and finish reason.
 * `alive` marks data that is not answer text (a role-only chunk, thinking tokens): proof the server
 * is working, which the executor's first-token and idle deadlines count.
 */
export type ChatChunk =
  | { type: 'delta'; text: string }
  | { type: 'alive' }
  | { type: 'done'; usage: Usage; finishReason?: 'stop' | 'length' | string };

/** What a server says about its models in memory (Ollama /api/ps, LM Studio /api/v0/models, llama.cpp /health). */
export interface LoadState {
  /** Model ids held in memory now. */
  loaded: string[];
  /** Model ids being loaded now; '*' when the server is loading and does not say which. */
  loading: string[];
  /** Requests the server is working on now, when it says (llama.cpp /slots, vLLM /metrics). */
  busy?: number;
}

/**
 * What a server says about its parallel capacity. llama.cpp's server states its slots (`/props`
 * total_slots, `/slots`); vLLM reports running and waiting requests (`/metrics`), which give its
 * batch limit only while requests wait; Ollama (`/api/ps`) and LM Studio (`/api/v0/models`) only
 * say whether the model is in memory.
 */
export interface CapacityReport {
  /** Requests the server runs at once, when it says. */
  slots?: number;
  running?: number;
  waiting?: number;
  /** Whether the model is in memory, when the server says. */
  loaded?: boolean;
  /** Where the numbers came from, e.g. 'llama.cpp /props'. */
  source: string;
}

/** One progress line of a model download (Ollama /api/pull). */
export interface PullProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

export interface DiscoveredModel {
  provider: ProviderKind;
  endpoint: string;
  /** Exact id as the server names it (e.g. llama3.2:latest). */
  model: string;
  sizeBytes?: number;
  contextLength?: number;
  family?: string;
  parameterSize?: string;
  quantization?: string;
  /** Server-reported capabilities, normalised: 'completion' | 'embedding' | 'tools' | 'vision' | 'thinking'. */
  capabilities: string[];
  embedding: boolean;
  /** For embedded GGUF files: path on disk. */
  path?: string;
}

export interface ProviderHealth {
  ok: boolean;
  endpoint: string;
  version?: string;
  latencyMs: number;
  /** The models the server lists (the same listing discovery uses). */
  models?: DiscoveredModel[];
  /**
   * up: answered; down: refused or unresolvable (nothing listening); hung: accepted the connection
   * but did not answer in time (running but stuck: restart it, do not start it); error: answered with an error.
   */
  state?: 'up' | 'down' | 'hung' | 'error';
  error?: string;
  hint?: string;
}

/**
 * One per server kind; knows nothing of modes, routing, caching or time limits. Only the model
 * API (its executor and its server access) calls it. Every method honours its AbortSignal; the
 * executor's deadlines and the caller's cancellation arrive that way.
 */
export interface ModelProvider {
  readonly kind: ProviderKind;
  readonly endpoint: string;
  listModels(signal?: AbortSignal): Promise<DiscoveredModel[]>;
  chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk>;
  embed(model: string, texts: string[], signal?: AbortSignal): Promise<number[][]>;
  /** Liveness, version and the model list, never throwing (errors become ok:false with a hint). */
  health(signal?: AbortSignal): Promise<ProviderHealth>;
  /** Context length of a model if the server can tell (Ollama /api/show). */
  contextLength?(model: string, signal?: AbortSignal): Promise<number | undefined>;
  /** Models in memory and loads in progress, when the server can tell. */
  loadState?(signal?: AbortSignal): Promise<LoadState>;
  /** The server's own word on its parallel capacity for a model; undefined when it has no such endpoint. */
  capacity?(model: string, signal?: AbortSignal): Promise<CapacityReport | undefined>;
  /** Downloads a model (Ollama /api/pull); throws MODEL_NOT_FOUND for an unknown one. */
  pull?(model: string, onProgress?: (p: PullProgress) => void, signal?: AbortSignal): Promise<void>;
  /** Loads a model into memory without asking anything (Ollama: an empty generate). */
  preload?(model: string, signal?: AbortSignal): Promise<void>;
}

/** The specification's enum under its own name (`ModelProvider.LM_STUDIO` is 'lmstudio'); see vocabulary.ts. */
export const ModelProvider = SpecModelProvider;

export interface ProgressEvent {
  type: string;
  [k: string]: unknown;
}

export interface TaskRequest {
  type: TaskType;
  /** 1-10; routes harder work to higher tiers. */
  complexity?: number;
  messages: ChatMessage[];
  /** Alias, model id or exact ref to use first; overrides routing (still guarded by the mode). */
  model?: string | ModelRef;
  /** Only this model, no fallback chain (e.g. --require-model with --model). */
  strictModel?: boolean;
  /** Prompt id@version, recorded with metrics and experiences. */
  promptId?: string;
  temperature?: number;
  maxTokens?: number;
  noCache?: boolean;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  /** Component name for metrics (e.g. 'prd', 'research'). */
  component?: string;
  /** Deadlines for this task only (e.g. `health` waits seconds, not minutes); the rest from local.timeouts. */
  timeouts?: Partial<Deadlines>;
}

/** How long a model call may wait; see local.timeouts in config. */
export interface Deadlines {
  /** Until the first chunk of the answer; extended while the server says a model load is in progress. */
  firstTokenMs: number;
  /** Between two chunks once the answer streams. */
  idleMs: number;
  /** The whole call, load and generation included. */
  requestMs: number;
}

export interface Attempt {
  model: string;
  provider: ProviderKind;
  ok: boolean;
  error?: string;
  errorCode?: string;
  durationMs: number;
  /** 'reask' when this attempt re-asked after a validation failure. */
  kind?: 'first' | 'retry' | 'reask' | 'fallback';
}

export interface Answer<T> {
  value: T;
  model: ModelRef;
  usage: Usage;
  durationMs: number;
  cached: boolean;
  attempts: Attempt[];
  /** Raw text the model produced (after think/fence stripping). */
  text?: string;
}

export interface EmbedOptions {
  model?: string;
  signal?: AbortSignal;
  /** Deadlines for these calls only, applied by the executor like a task's; the rest from local.timeouts. */
  timeouts?: Partial<Deadlines>;
  batchSize?: number;
  noCache?: boolean;
}

export interface EmbedResult {
  vectors: number[][];
  model: ModelRef;
  dimension: number;
  /** Number of provider embed calls made. */
  calls: number;
}

/** The public face of the model API; capability modules depend on this interface only. */
export interface ModelAPI {
  generateObject<T>(task: TaskRequest, schema: ZodType<T>): Promise<Answer<T>>;
  generateText(task: TaskRequest): Promise<Answer<string>>;
  embed(texts: string[], opts?: EmbedOptions): Promise<EmbedResult>;
  /** Which model would serve this task first (no call made); undefined when none is eligible. */
  resolve(task: Pick<TaskRequest, 'type' | 'complexity' | 'model'>): Promise<ModelRef | undefined>;
}

/** A failure seen by the model API, for the recovery module to classify and store. */
export interface FailureEvent {
  error: unknown;
  component: string;
  operation: string;
  provider?: ProviderKind;
  endpoint?: string;
  model?: string;
  taskType?: TaskType;
  /** Whether the model API recovered (retry, re-ask or fallback succeeded) and how. */
  recoveredBy?: 'retry' | 'reask' | 'fallback';
  /** When the attempt failed (epoch ms); the hook runs once the request's outcome is known. */
  atMs?: number;
  /** The run the request belonged to (the model API's runId option). */
  runId?: string;
}

/** Observers the composition root plugs into UnifiedModelAPI (recovery, learning, monitor). */
export interface ModelHooks {
  onCall?(rec: CallRecord): void;
  onFailure?(f: FailureEvent): void;
  /** Routing decisions, for logs and learned routing. */
  onRoute?(e: { task: TaskType; chosen: string; candidates: string[]; reason: string }): void;
}
