import { splitUrlCredentials } from '../../config/hosts.js';
import { ConfigError } from '../../errors.js';
import type { ModelProvider, ProviderKind } from '../types.js';
import { lazyLlamaCppProvider } from '../embedded/lazy-provider.js';
import { AnthropicProvider } from './anthropic.js';
import { OllamaProvider } from './ollama.js';
import { OpenAICompatibleProvider } from './openai-compatible.js';

export type { ProviderOptions } from './options.js';
import type { ProviderOptions } from './options.js';

/** Default endpoints of the external services. */
export const EXTERNAL_ENDPOINTS = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com/v1',
  perplexity: 'https://api.perplexity.ai',
} as const;

/** Environment variable holding each external service's key (keys are never read from files). */
export const API_KEY_ENV = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  perplexity: 'PERPLEXITY_API_KEY',
} as const;

function externalKey(kind: keyof typeof API_KEY_ENV, opts: ProviderOptions): string {
  const key = opts.apiKey ?? process.env[API_KEY_ENV[kind]];
  if (!key) {
    throw new ConfigError('CONFIG_INVALID', `${API_KEY_ENV[kind]} is not set, so ${kind} models cannot be used`, {
      hint: `export ${API_KEY_ENV[kind]}=… in your shell (keys are read from the environment only, never from config files)`,
    });
  }
  return key;
}

/** Builds the provider for one server kind. Throws ConfigError for a bad endpoint or a missing key. */
export function createProvider(kind: ProviderKind, options: ProviderOptions): ModelProvider {
  const opts = withUrlCredentials(options);
  switch (kind) {
    case 'ollama':
      return new OllamaProvider(opts);
    case 'lmstudio':
    case 'localai':
    case 'openai-compatible':
      return new OpenAICompatibleProvider(kind, opts);
    case 'openai':
    case 'perplexity':
      return new OpenAICompatibleProvider(kind, {
        ...opts,
        endpoint: opts.endpoint || EXTERNAL_ENDPOINTS[kind],
        apiKey: externalKey(kind, opts),
      });
    case 'anthropic':
      return new AnthropicProvider({
        ...opts,
        endpoint: opts.endpoint || EXTERNAL_ENDPOINTS.anthropic,
        apiKey: externalKey(kind, opts),
      });
    case 'llama-cpp':
      // endpoint: a GGUF path or ollama:<name>; the module and node-llama-cpp load on first call.
      return lazyLlamaCppProvider({ endpoint: opts.endpoint, ...(opts.threads ? { threads: opts.threads } : {}) });
    default:
      throw new ConfigError('CONFIG_INVALID', `unknown provider "${kind}"`, {
        hint: 'use one of: ollama, lmstudio, localai, openai-compatible, llama-cpp, anthropic, openai, perplexity',
      });
  }
}

/**
 * `http://user:password@host` in an endpoint: fetch refuses URLs with credentials, so the
 * provider gets the URL without them (which is also what its messages print) and a fetch that
 * sends them as an Authorization header, unless the request sets one itself.
 */
function withUrlCredentials(opts: ProviderOptions): ProviderOptions {
  if (!opts.endpoint?.includes('@')) return opts;
  const { url, authorization } = splitUrlCredentials(opts.endpoint);
  if (!authorization) return opts;
  const base = opts.fetch ?? fetch;
  const authed: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (!headers.has('authorization')) headers.set('authorization', authorization);
    return base(input, { ...init, headers });
  };
  return { ...opts, endpoint: url, fetch: authed };
}
