import type { ModelProvider, ProviderKind } from './types.js';
import type { LocalSection } from '../config/schema.js';

/** Builds a provider for one server; injected so tests and library users can supply their own. */
export type ProviderFactory = (kind: ProviderKind, endpoint: string) => ModelProvider | Promise<ModelProvider>;

// Keys are read from the environment only, never from config files (which get exported and shared).
const KEY_ENV: Partial<Record<ProviderKind, string>> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  perplexity: 'PERPLEXITY_API_KEY',
  'openai-compatible': 'OPENAI_COMPATIBLE_API_KEY',
  lmstudio: 'LMSTUDIO_API_KEY',
  localai: 'LOCALAI_API_KEY',
};

/**
 * The real providers, imported on first use so `--help`, `--version` and commands that never call
 * a model do not pay for the provider SDKs.
 */
export function defaultProviderFactory(local: LocalSection, env: NodeJS.ProcessEnv = process.env): ProviderFactory {
  return async (kind, endpoint) => {
    const { createProvider } = await import('./providers/index.js');
    const keyVar = KEY_ENV[kind];
    const apiKey = keyVar ? env[keyVar] : undefined;
    return createProvider(kind, {
      endpoint,
      ...(apiKey ? { apiKey } : {}),
      keepAlive: local.keepAlive,
      threads: local.threads,
    });
  };
}

/** One provider instance per (kind, endpoint), created lazily and shared by discovery and calls. */
export class ProviderPool {
  private readonly made = new Map<string, Promise<ModelProvider>>();
  constructor(private readonly factory: ProviderFactory) {}

  /** The provider for a server, created on first use. */
  get(kind: ProviderKind, endpoint: string): Promise<ModelProvider> {
    const key = `${kind}|${endpoint}`;
    let p = this.made.get(key);
    if (!p) {
      p = Promise.resolve().then(() => this.factory(kind, endpoint));
      // A factory failure (e.g. missing key) must not be cached forever.
      p.catch(() => this.made.delete(key));
      this.made.set(key, p);
    }
    return p;
  }
}
