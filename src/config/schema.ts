import { z } from 'zod';
import { DEPLOYMENT_MODES, MODEL_TIERS, PROVIDER_KINDS, TASK_TYPES, isKnownProvider } from './vocabulary.js';

/** One task-master role, exactly as task-master writes it (unknown keys kept). */
export const RoleConfigSchema = z.looseObject({
  // An unknown name is an error, never silently replaced by a default model.
  provider: z
    .string()
    .min(1)
    .refine(isKnownProvider, { error: (iss) => `unknown provider '${String(iss.input)}'` }),
  modelId: z.string().min(1),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  baseURL: z.string().optional(),
});
export type RoleConfig = z.infer<typeof RoleConfigSchema>;

export const ROLES = ['main', 'research', 'fallback'] as const;
export type Role = (typeof ROLES)[number];

/** A registry entry: an alias such as `local-llama3` for a model on a server. */
export const ModelEntrySchema = z.object({
  provider: z.enum(PROVIDER_KINDS),
  model: z.string().min(1),
  endpoint: z.string().optional(),
  /** A pool: the same model served by several endpoints (requests go to the least loaded one). */
  endpoints: z.array(z.string()).min(1).optional(),
  /** Requests each endpoint runs at once; unset = what the server says, else learned from latency. */
  capacity: z.number().int().min(1).max(1024).optional(),
  capabilities: z.array(z.enum(TASK_TYPES)).optional(),
  contextLength: z.number().int().positive().optional(),
  tier: z.enum(MODEL_TIERS).optional(),
  embedding: z.boolean().optional(),
});
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

/** One server, or several base URLs serving the same models (a pool). */
export const ServerUrlsSchema = z.union([z.string(), z.array(z.string()).min(1)]);
export type ServerUrls = z.infer<typeof ServerUrlsSchema>;

export const ServersSchema = z.object({
  ollama: ServerUrlsSchema.default('http://127.0.0.1:11434'),
  lmstudio: ServerUrlsSchema.default('http://127.0.0.1:1234/v1'),
  localai: ServerUrlsSchema.default('http://127.0.0.1:8080/v1'),
  /** Extra OpenAI-compatible servers (llama.cpp server, vLLM, …); an inner list is one pool. */
  openaiCompatible: z.array(ServerUrlsSchema).default([]),
});
export type Servers = z.infer<typeof ServersSchema>;

/** The base URLs of a server entry, in order (a plain string is a pool of one). */
export function serverUrls(v: ServerUrls | undefined): string[] {
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : [...v];
}

/** Our own section of task-master's config.json; task-master ignores it. */
export const LocalSectionSchema = z.object({
  mode: z.enum(DEPLOYMENT_MODES).default('LOCAL_ONLY'),
  registry: z.record(z.string(), ModelEntrySchema).default({}),
  /** Hosts (names or IPs) counted as local besides loopback and private ranges. */
  trustedHosts: z.array(z.string()).default([]),
  servers: ServersSchema.default(ServersSchema.parse({})),
  /** Which servers to probe in discovery. */
  discover: z.array(z.enum(['ollama', 'lmstudio', 'localai'])).default(['ollama', 'lmstudio', 'localai']),
  /** Concurrent requests per provider endpoint. */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Requests an endpoint of a pool runs at once, by base URL (beats what the server says and what is learned). */
  capacity: z.record(z.string(), z.number().int().min(1).max(1024)).default({}),
  /**
   * How long model calls may wait (the executor is the only place these apply). A server that sends
   * nothing is asked whether a model load is in progress before the first-token deadline gives up.
   */
  timeouts: z
    .object({
      /** Until the first chunk of an answer; extended while the server says a load is in progress. */
      firstTokenMs: z.number().int().positive().default(120_000),
      /** Gap between two streamed chunks before the answer counts as stalled. */
      idleMs: z.number().int().positive().default(60_000),
      /** Whole call, cold load and generation included. */
      requestMs: z.number().int().positive().default(600_000),
      /** Discovery and server probes (version, model list, load state). */
      probeMs: z.number().int().positive().default(1_500),
      /** `health`'s test call: first-token deadline of the structured round trip and the embedding. */
      healthMs: z.number().int().positive().default(5_000),
    })
    .default({ firstTokenMs: 120_000, idleMs: 60_000, requestMs: 600_000, probeMs: 1_500, healthMs: 5_000 }),
  retries: z.number().int().min(0).max(10).default(2),
  /** Alias or model id for embeddings; unset = first discovered embedding model, else the offline embedder. */
  embeddingModel: z.string().optional(),
  embeddingBatchSize: z.number().int().min(1).max(2048).default(64),
  cache: z.boolean().default(true),
  keepAlive: z.string().default('10m'),
  /** Opt-in: choose among eligible models from learned statistics (Thompson sampling). */
  learnedRouting: z.boolean().default(false),
  /** Let recovery pull missing Ollama models. */
  allowPull: z.boolean().default(false),
  /** Directories scanned for GGUF files (embedded provider). */
  modelDirs: z.array(z.string()).default([]),
  /** Threads for the embedded provider; 0 = physical cores. */
  threads: z.number().int().min(0).default(0),
});
export type LocalSection = z.infer<typeof LocalSectionSchema>;

/** task-master's config.json: we validate what we read and keep every key we do not own. */
export const TaskMasterConfigSchema = z.looseObject({
  models: z
    .looseObject({
      main: RoleConfigSchema.optional(),
      research: RoleConfigSchema.optional(),
      fallback: RoleConfigSchema.optional(),
    })
    .optional(),
  global: z.looseObject({}).optional(),
  local: LocalSectionSchema.optional(),
});
export type TaskMasterConfig = z.infer<typeof TaskMasterConfigSchema>;

/** The effective configuration after defaults < file < env < flags. */
export interface ResolvedConfig {
  projectRoot: string;
  configPath: string;
  /** Path of the SQLite file. */
  dbPath: string;
  roles: Partial<Record<Role, RoleConfig>>;
  local: LocalSection;
  /** The raw file content (unknown keys included), or {} when there is no file. */
  raw: Record<string, unknown>;
  fileExists: boolean;
  /** Where each overridden setting came from, e.g. { mode: 'env TASKMASTER_LOCAL_LLM' }. */
  sources: Record<string, string>;
  warnings: string[];
}
