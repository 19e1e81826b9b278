import { basename, resolve } from 'node:path';
import { ValidationError } from '../errors.js';
import { isLocalUrl } from '../config/hosts.js';
import type { ModelEntry } from '../config/schema.js';
import {
  EXTERNAL_PROVIDER_KINDS,
  TaskType,
  TASK_TYPES,
  type ModelRef,
  type ModelTier,
  type ProviderKind,
} from './types.js';

/** Options every create* method accepts; anything left out is guessed from the model name. */
export interface ModelConfigOptions {
  alias?: string;
  capabilities?: TaskType[];
  endpoint?: string;
  /** Several endpoints serving the same model (a pool); the first is `endpoint`. */
  endpoints?: string[];
  /** Requests each endpoint runs at once (set in config). */
  capacity?: number;
  contextLength?: number;
  tier?: ModelTier;
  embedding?: boolean;
  /** Server-reported parameter size such as "8.0B"; beats the name for the tier guess. */
  parameterSize?: string;
  /** Hosts counted as local besides loopback and private ranges. */
  trustedHosts?: readonly string[];
}

/** Default server URLs, as ModelRef endpoints (Ollama without /api, OpenAI-style with /v1). */
export const DEFAULT_ENDPOINTS = {
  ollama: 'http://127.0.0.1:11434',
  lmstudio: 'http://127.0.0.1:1234/v1',
  localai: 'http://127.0.0.1:8080/v1',
} as const;

// Names of embedding-only model families; these are never offered for chat.
const EMBED_RE = /embed|(^|[/:_-])(bge|e5|gte|minilm|mxbai|snowflake-arctic)([/:_.-]|$)|sentence-transformers/i;
const CODE_RE = /coder|codestral|codellama|starcoder|codegemma|devstral|(^|[/:_-])code/i;
const REASON_RE = /(^|[/:_-])(r1|qwq|o1|o3|o4)([/:_.-]|$)|reason|think|deepseek-r1/i;

/** Whether a model name looks like an embedding model. */
export function looksLikeEmbedding(name: string): boolean {
  return EMBED_RE.test(name);
}

/** Billions of parameters read from "8.0B", "70b", "8x7b" or "135m" in a size string or model name. */
export function parameterBillions(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const moe = /(\d+)\s*x\s*(\d+(?:\.\d+)?)\s*b(?![a-z])/i.exec(text);
  if (moe) return Number(moe[1]) * Number(moe[2]);
  const b = /(\d+(?:\.\d+)?)\s*b(?![a-z])/i.exec(text);
  if (b) return Number(b[1]);
  const m = /(\d+(?:\.\d+)?)\s*m(?![a-z])/i.exec(text);
  return m ? Number(m[1]) / 1000 : undefined;
}

/** Tier from parameter count: ≤4B SMALL, ≤20B MEDIUM, larger LARGE; unknown sizes count as MEDIUM. */
export function guessTier(name: string, parameterSize?: string): ModelTier {
  const billions = parameterBillions(parameterSize) ?? parameterBillions(name.split('/').pop());
  if (billions === undefined) return /mini|nano|tiny|small|haiku/i.test(name) ? 'SMALL' : 'MEDIUM';
  if (billions <= 4) return 'SMALL';
  if (billions <= 20) return 'MEDIUM';
  return 'LARGE';
}

/** Task types a model is likely good at, from its name (embedding models get none). */
export function guessCapabilities(name: string, tier: ModelTier = guessTier(name)): TaskType[] {
  if (looksLikeEmbedding(name)) return [];
  const caps = new Set<TaskType>([TaskType.GENERAL]);
  if (CODE_RE.test(name)) {
    caps.add(TaskType.CODE_GENERATION);
    caps.add(TaskType.ANALYSIS);
    return TASK_TYPES.filter((t) => caps.has(t));
  }
  for (const t of [TaskType.RESEARCH, TaskType.ANALYSIS, TaskType.PLANNING, TaskType.OPTIMIZATION]) caps.add(t);
  // General models of 7B+ write usable code; tiny ones mostly do not.
  if (tier !== 'SMALL') caps.add(TaskType.CODE_GENERATION);
  if (REASON_RE.test(name)) caps.add(TaskType.ANALYSIS);
  return TASK_TYPES.filter((t) => caps.has(t));
}

/** `local-<name>` alias: namespace and `:latest` dropped, other tags joined with '-'. */
export function defaultAlias(model: string, prefix = 'local'): string {
  const last = model.split('/').pop() ?? model;
  const name = last
    .replace(/\.gguf$/i, '')
    .replace(/:latest$/i, '')
    .replace(/[:\s]+/g, '-')
    .toLowerCase();
  return `${prefix}-${name}`;
}

/** A server URL as refs hold it: no trailing slash, Ollama without /api, OpenAI-style with /v1. */
export function normaliseEndpoint(provider: ProviderKind, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError(`endpoint '${url}' is not a valid URL`, {
      hint: 'give a full URL such as http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:1234/v1 (OpenAI-compatible)',
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ValidationError(`endpoint '${url}' must use http or https`, { hint: 'e.g. http://127.0.0.1:11434' });
  }
  const base = url.replace(/\/+$/, '');
  if (provider === 'ollama') return base.replace(/\/api$/, '');
  // OpenAI-style servers answer under /v1; a bare origin almost always means that.
  return u.pathname === '/' || u.pathname === '' ? `${base}/v1` : base;
}

/** A pool's endpoints normalised, in order, each once; `duplicates` lists the ones given twice. */
export function poolEndpoints(provider: ProviderKind, urls: readonly string[]) {
  const out: string[] = [];
  const duplicates: string[] = [];
  for (const u of urls) {
    const n = normaliseEndpoint(provider, u);
    if (out.includes(n)) duplicates.push(n);
    else out.push(n);
  }
  return { urls: out, duplicates };
}

function build(
  provider: ProviderKind,
  model: string,
  endpoint: string | undefined,
  opts: ModelConfigOptions,
): ModelRef {
  if (!model.trim())
    throw new ValidationError('model name is empty', { hint: 'give the model id as the server lists it' });
  const embedding = opts.embedding ?? looksLikeEmbedding(model);
  const tier = opts.tier ?? guessTier(model, opts.parameterSize);
  const ep = endpoint === undefined ? undefined : normaliseEndpoint(provider, endpoint);
  const external = EXTERNAL_PROVIDER_KINDS.includes(provider);
  const ref: ModelRef = {
    alias: opts.alias ?? (external ? defaultAlias(model, provider) : defaultAlias(model)),
    provider,
    model,
    capabilities: opts.capabilities ?? (embedding ? [] : guessCapabilities(model, tier)),
    tier,
    // An external service kind is never local: a loopback port may be a tunnel or gateway to the cloud.
    local: provider === 'llama-cpp' ? true : external ? false : isLocalUrl(ep ?? '', opts.trustedHosts),
  };
  if (ep) ref.endpoint = ep;
  const pool = poolEndpoints(provider, opts.endpoints ?? []).urls;
  if (pool.length > 1) {
    ref.endpoints = pool;
    ref.endpoint = pool[0]!;
    // A pool is local only when every member is.
    ref.local = !external && pool.every((u) => isLocalUrl(u, opts.trustedHosts));
  } else if (pool.length === 1 && !ep) {
    ref.endpoint = pool[0]!;
    ref.local = !external && isLocalUrl(pool[0]!, opts.trustedHosts);
  }
  if (opts.capacity) ref.capacity = opts.capacity;
  if (opts.contextLength) ref.contextLength = opts.contextLength;
  if (embedding) ref.embedding = true;
  return ref;
}

/** Builds ModelRef registry entries for each kind of server, guessing what the name implies. */
export class ModelConfigFactory {
  /** A model served by Ollama (endpoint defaults to OLLAMA's 127.0.0.1:11434). */
  static createOllamaConfig(name: string, opts: ModelConfigOptions = {}): ModelRef {
    return build('ollama', name, opts.endpoint ?? DEFAULT_ENDPOINTS.ollama, opts);
  }
  /** A model loaded in LM Studio's OpenAI-compatible server. */
  static createLMStudioConfig(name: string, opts: ModelConfigOptions = {}): ModelRef {
    return build('lmstudio', name, opts.endpoint ?? DEFAULT_ENDPOINTS.lmstudio, opts);
  }
  /** A model served by LocalAI. */
  static createLocalAIConfig(name: string, opts: ModelConfigOptions = {}): ModelRef {
    return build('localai', name, opts.endpoint ?? DEFAULT_ENDPOINTS.localai, opts);
  }
  /** Any other OpenAI-compatible server (llama.cpp server, vLLM, …); the endpoint is required. */
  static createOpenAICompatibleConfig(name: string, opts: ModelConfigOptions & { endpoint: string }): ModelRef {
    if (!opts?.endpoint) {
      throw new ValidationError(`model '${name}': an OpenAI-compatible server needs an endpoint`, {
        hint: 'pass the server URL, e.g. http://127.0.0.1:8000/v1',
      });
    }
    return build('openai-compatible', name, opts.endpoint, opts);
  }
  /** A GGUF file run in-process by the embedded provider; always local. */
  static createLlamaCppConfig(path: string, opts: Omit<ModelConfigOptions, 'endpoint'> = {}): ModelRef {
    // `ollama:<name>`: a model Ollama pulled, run from its blob without the server.
    if (path.startsWith('ollama:')) {
      return build('llama-cpp', path, undefined, {
        ...opts,
        alias: opts.alias ?? defaultAlias(path.slice('ollama:'.length)),
      });
    }
    if (!/\.gguf$/i.test(path)) {
      throw new ValidationError(`'${path}' is not a .gguf file`, {
        hint: 'the embedded provider runs GGUF model files, or ollama:<name> for a model Ollama has pulled',
      });
    }
    const abs = resolve(path);
    const ref = build('llama-cpp', abs, undefined, { ...opts, alias: opts.alias ?? defaultAlias(basename(abs)) });
    // The file name carries the size and kind; the directory does not.
    const name = basename(abs);
    ref.tier = opts.tier ?? guessTier(name, opts.parameterSize);
    ref.embedding = opts.embedding ?? looksLikeEmbedding(name);
    if (!ref.embedding) delete ref.embedding;
    ref.capabilities = opts.capabilities ?? (ref.embedding ? [] : guessCapabilities(name, ref.tier));
    return ref;
  }
  /** A hosted model (anthropic, openai, perplexity); never local, keys come from env only. */
  static createExternalConfig(provider: ProviderKind, model: string, opts: ModelConfigOptions = {}): ModelRef {
    if (!EXTERNAL_PROVIDER_KINDS.includes(provider)) {
      throw new ValidationError(`'${provider}' is not an external provider`, {
        hint: `external providers: ${EXTERNAL_PROVIDER_KINDS.join(', ')}`,
      });
    }
    const ref = build(provider, model, opts.endpoint, { ...opts, tier: opts.tier ?? guessExternalTier(model) });
    if (!opts.capabilities && provider === 'perplexity') ref.capabilities = [TaskType.GENERAL, TaskType.RESEARCH];
    else if (!opts.capabilities && !ref.embedding) ref.capabilities = [...TASK_TYPES];
    return ref;
  }
  /** Dispatches on provider kind (used for `models --add` and imports). */
  static create(provider: ProviderKind, model: string, options: ModelConfigOptions = {}): ModelRef {
    // A pool without `endpoint`: its first member is the ref's endpoint.
    const first = options.endpoints?.[0];
    const opts = options.endpoint === undefined && first !== undefined ? { ...options, endpoint: first } : options;
    switch (provider) {
      case 'ollama':
        return ModelConfigFactory.createOllamaConfig(model, opts);
      case 'lmstudio':
        return ModelConfigFactory.createLMStudioConfig(model, opts);
      case 'localai':
        return ModelConfigFactory.createLocalAIConfig(model, opts);
      case 'openai-compatible':
        return ModelConfigFactory.createOpenAICompatibleConfig(model, { ...opts, endpoint: opts.endpoint ?? '' });
      case 'llama-cpp':
        return ModelConfigFactory.createLlamaCppConfig(model, opts);
      default:
        return ModelConfigFactory.createExternalConfig(provider, model, opts);
    }
  }
  /** The registry entry stored under `local.registry[alias]` for a ModelRef. */
  static toEntry(ref: ModelRef): ModelEntry {
    const e: ModelEntry = { provider: ref.provider, model: ref.model, capabilities: ref.capabilities };
    if (ref.endpoints && ref.endpoints.length > 1) e.endpoints = [...ref.endpoints];
    else if (ref.endpoint) e.endpoint = ref.endpoint;
    if (ref.capacity) e.capacity = ref.capacity;
    if (ref.contextLength) e.contextLength = ref.contextLength;
    if (ref.tier) e.tier = ref.tier;
    if (ref.embedding) e.embedding = true;
    return e;
  }
}

function guessExternalTier(model: string): ModelTier {
  return /mini|nano|haiku|small|lite|flash/i.test(model) ? 'MEDIUM' : 'LARGE';
}
