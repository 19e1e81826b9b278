import type { ChatChunk, ChatRequest, DiscoveredModel, ModelProvider, ProviderHealth } from '../types.js';
import type { LlamaCppOptions, LlamaCppProvider } from '../providers/llama-cpp.js';

/**
 * The llama-cpp provider behind a lazy import: createProvider is synchronous, but the embedded
 * provider's module (and, later, node-llama-cpp) is loaded only when a method is first called.
 */
export function lazyLlamaCppProvider(opts: LlamaCppOptions): ModelProvider {
  let real: Promise<LlamaCppProvider> | undefined;
  const get = () => (real ??= import('../providers/llama-cpp.js').then((m) => m.createLlamaCppProvider(opts)));
  return {
    kind: 'llama-cpp',
    endpoint: opts.endpoint,
    listModels: async (_signal?: AbortSignal): Promise<DiscoveredModel[]> => (await get()).listModels(),
    chat: async function* (req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
      yield* (await get()).chat(req, signal);
    },
    embed: async (model: string, texts: string[], signal?: AbortSignal) => (await get()).embed(model, texts, signal),
    health: async (): Promise<ProviderHealth> => (await get()).health(),
    contextLength: async (model: string) => (await get()).contextLength(model),
  };
}
