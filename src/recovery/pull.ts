import { createProvider } from '../models/providers/index.js';
import type { PullProgress } from '../models/types.js';

export type { PullProgress };

/**
 * Pulls a model onto an Ollama server through the Ollama provider (the same wire client runs use).
 * Errors: PROVIDER_UNREACHABLE with the start hint, MODEL_NOT_FOUND for an unknown model.
 * The caller checks the privacy mode first (recovery never contacts a server LOCAL_ONLY forbids).
 */
export async function pullModel(
  endpoint: string,
  model: string,
  opts: { onProgress?: (p: PullProgress) => void; signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<void> {
  const ollama = createProvider('ollama', { endpoint, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  await ollama.pull!(model, opts.onProgress, opts.signal);
}
