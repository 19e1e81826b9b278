import type { ZodType } from 'zod';

export * from '../config/vocabulary.js';
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

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Of promptTokens, those the server served from its KV cache; absent when the server does not say. */
  cachedPromptTokens?: number;
}

/** One piece of a streamed answer: text deltas, then one final chunk with usage and finish reason. */
export type ChatChunk =
  | { type: 'delta'; text: string }
  | { type: 'done'; usage: Usage; finishReason?: 'stop' | 'length' | string };

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
  error?: string;
  hint?: string;
}

/** One per server kind; knows nothing of modes, routing or caching. Only UnifiedModelAPI calls it. */
export interface ModelProvider {
  readonly kind: ProviderKind;
  readonly endpoint: string;
  listModels(signal?: AbortSignal): Promise<DiscoveredModel[]>;
  chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk>;
  embed(model: string, texts: string[], signal?: AbortSignal): Promise<number[][]>;
  health(signal?: AbortSignal): Promise<ProviderHealth>;
  /** Context length of a model if the server can tell (Ollama /api/show). */
  contextLength?(model: string, signal?: AbortSignal): Promise<number | undefined>;
}

export interface ProgressEvent {
  type: string;
  [k: string]: unknown;
}

export interface TaskRequest {
  type: TaskType;
  /** 1-10; routes harder work to higher tiers. */
  complexity?: number;
  messages: ChatMessage[];
  /** Alias or model id to use first; overrides routing (still guarded by the mode). */
  model?: string;
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
