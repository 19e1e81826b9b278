import type { ZodType } from 'zod';
import { AppError } from '../errors.js';
import { LocalSectionSchema, type LocalSection } from '../config/schema.js';
import { Executor, type RequestState } from './executor.js';
import type { PrivacyContext } from './privacy.js';
import { ProviderPool, type ProviderFactory } from './provider-pool.js';
import { createProvider } from './providers/index.js';
import { parseStructured, toJsonSchema } from './structured.js';
import type { ChatMessage, Deadlines, ModelRef } from './types.js';

/** How a one-off check call may run. */
export interface CheckCallOptions {
  deadlines: Deadlines;
  /** Probe budget for the side questions (context length, load state). */
  probeMs?: number;
  privacy?: PrivacyContext;
  /** Injected fetch (tests) or a provider factory; default: the real providers. */
  fetch?: typeof fetch;
  factory?: ProviderFactory;
  keepAlive?: string;
  signal?: AbortSignal;
}

function executorFor(o: CheckCallOptions): Executor {
  const local: LocalSection = LocalSectionSchema.parse({
    retries: 0,
    concurrency: 1,
    keepAlive: o.keepAlive ?? '10m',
    timeouts: { ...o.deadlines, probeMs: o.probeMs ?? 1_500 },
  });
  const factory: ProviderFactory =
    o.factory ??
    ((kind, endpoint) =>
      createProvider(kind, { endpoint, keepAlive: local.keepAlive, ...(o.fetch ? { fetch: o.fetch } : {}) }));
  return new Executor({
    pool: new ProviderPool(factory),
    privacy: o.privacy ?? { mode: 'HYBRID' },
    local,
    record: () => undefined,
  });
}

function state(o: CheckCallOptions): RequestState {
  return {
    task: { type: 'GENERAL', component: 'health', timeouts: o.deadlines, ...(o.signal ? { signal: o.signal } : {}) },
    attempts: [],
    failures: [],
    usage: { promptTokens: 0, completionTokens: 0 },
  };
}

/**
 * One structured call to exactly one model, down the path every run takes (the executor's deadlines
 * and load checks, the provider's streaming chat with num_ctx and the JSON Schema), without
 * routing, fallback or cache: `health` and recovery checks use it so they test what runs use.
 * Throws the executor's errors (TIMEOUT saying what the server did, PROVIDER_UNREACHABLE, …) or
 * MODEL_OUTPUT_INVALID.
 */
export async function checkObject<T>(
  ref: ModelRef,
  messages: ChatMessage[],
  schema: ZodType<T>,
  o: CheckCallOptions,
): Promise<T> {
  let parsed: ReturnType<typeof parseStructured<T>> | undefined;
  await executorFor(o).chat(
    ref,
    { model: ref.model, messages, jsonSchema: toJsonSchema(schema), temperature: 0 },
    state(o),
    'first',
    'object',
    (c) => {
      parsed = parseStructured(c.text, schema, c.finishReason);
      return parsed.ok ? { ok: true } : { ok: false, error: parsed.error };
    },
  );
  if (!parsed?.ok) {
    throw new AppError(
      'MODEL_OUTPUT_INVALID',
      `${ref.model} answered with invalid JSON: ${parsed?.error ?? 'no answer'}`,
      {
        hint: 'the model cannot follow a JSON schema reliably; try a larger or instruction-tuned model',
      },
    );
  }
  return parsed.value;
}

/** One embedding call to exactly one model, through the executor (see checkObject). */
export function checkEmbed(ref: ModelRef, texts: string[], o: CheckCallOptions): Promise<number[][]> {
  return executorFor(o).embed(ref, texts, state(o));
}
