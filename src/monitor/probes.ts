import { z } from 'zod';
import { classifyFailure } from '../diagnostics/classify.js';
import { diagnoseByRules, unreachableHint } from '../diagnostics/diagnose.js';
import { AppError } from '../errors.js';
import { ModelConfigFactory } from '../models/config-factory.js';
import { probeSignal } from '../models/deadline.js';
import { checkEmbed, checkObject, type CheckCallOptions } from '../models/probe-call.js';
import { createProvider } from '../models/providers/index.js';
import { PROVIDER_KINDS, type ModelRef, type ProviderKind } from '../models/types.js';

// Every byte goes through the providers (the wire clients runs use); none of them loads an SDK,
// so `health` stays light.

/** Wire family of a server: Ollama native (/api/*) or OpenAI-compatible (/v1/*). */
export type WireKind = 'ollama' | 'openai';

/** A model as a server lists it. */
export interface ProbeModel {
  name: string;
  embedding: boolean;
}

/** Result of probing one server. */
export interface ServerProbe {
  ok: boolean;
  endpoint: string;
  version?: string;
  latencyMs: number;
  models: ProbeModel[];
  /** up, down (nothing listening), hung (accepted but did not answer), error (answered with an error). */
  state?: 'up' | 'down' | 'hung' | 'error';
  error?: string;
  hint?: string;
}

interface FetchOpts {
  timeoutMs: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** The server's provider kind (lmstudio, localai, …); default from the wire kind. */
  provider?: string;
  /** Budget of the side questions of a model call (context length, load state). */
  probeMs?: number;
  keepAlive?: string;
}

/** The provider kind for a server: the given one when it is a kind, else the wire kind's generic one. */
function kindOf(wire: WireKind, provider?: string): ProviderKind {
  if (provider && PROVIDER_KINDS.includes(provider as ProviderKind)) return provider as ProviderKind;
  return wire === 'ollama' ? 'ollama' : 'openai-compatible';
}

function deadline(o: FetchOpts): AbortSignal {
  return probeSignal({ probeMs: o.timeoutMs }, o.signal ? { signal: o.signal } : {});
}

function callOptions(o: FetchOpts): CheckCallOptions {
  return {
    deadlines: { firstTokenMs: o.timeoutMs, idleMs: o.timeoutMs, requestMs: o.timeoutMs },
    ...(o.probeMs ? { probeMs: o.probeMs } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.keepAlive ? { keepAlive: o.keepAlive } : {}),
  };
}

function refFor(wire: WireKind, endpoint: string, model: string, provider?: string): ModelRef {
  return ModelConfigFactory.create(kindOf(wire, provider), model, { endpoint });
}

/** Error text plus the hint a user can act on, from the rule-based diagnosis. */
export function describeProbeError(
  e: unknown,
  provider: string,
  endpoint: string,
  model?: string,
): { error: string; hint?: string } {
  // The executor's timeouts say what the server did (hung is not down: never "start it").
  if (e instanceof AppError && e.code === 'TIMEOUT') return { error: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  const f = classifyFailure(e, { component: 'health', operation: 'probe', provider, endpoint, model });
  if (f.kind === 'server_unreachable')
    return { error: `${f.message} (${f.code ?? 'unreachable'})`, hint: unreachableHint(provider, endpoint) };
  // No HTTP status and no known signature: the connection itself failed (e.g. a port fetch refuses).
  if (f.kind === 'unknown' && f.status === undefined)
    return { error: f.message, hint: unreachableHint(provider, endpoint) };
  if (f.kind === 'timeout') return { error: `no answer within the probe timeout`, hint: diagnoseByRules(f)?.fix };
  return { error: f.message, hint: diagnoseByRules(f)?.fix };
}

const isEmbeddingName = (n: string) => /embed|bge|minilm|e5-|gte-|nomic-embed/i.test(n);

/** Probes a server through its provider: version (Ollama) and its model list, within timeoutMs. Never throws. */
export async function probeServer(
  kind: WireKind,
  provider: string,
  endpoint: string,
  o: FetchOpts,
): Promise<ServerProbe> {
  const base = endpoint.replace(/\/+$/, '');
  const t0 = performance.now();
  let h;
  try {
    const p = createProvider(kindOf(kind, provider), { endpoint: base, ...(o.fetch ? { fetch: o.fetch } : {}) });
    h = await p.health(deadline(o));
  } catch (e) {
    return {
      ok: false,
      endpoint: base,
      latencyMs: performance.now() - t0,
      models: [],
      ...describeProbeError(e, provider, base),
    };
  }
  if (h.ok) {
    return {
      ok: true,
      endpoint: base,
      ...(h.version ? { version: h.version } : {}),
      latencyMs: h.latencyMs,
      state: 'up',
      models: (h.models ?? []).map((m) => ({ name: m.model, embedding: m.embedding || isEmbeddingName(m.model) })),
    };
  }
  // Refused: the diagnosis's start hint; hung or failing: the provider's own words (never "start it").
  const described =
    h.state === 'down'
      ? describeProbeError(new AppError('PROVIDER_UNREACHABLE', h.error ?? ''), provider, base)
      : undefined;
  return {
    ok: false,
    endpoint: base,
    latencyMs: h.latencyMs,
    models: [],
    ...(h.state ? { state: h.state } : {}),
    error: h.error ?? 'no answer',
    ...((described?.hint ?? h.hint) ? { hint: described?.hint ?? h.hint } : {}),
  };
}

/** The listed name that a configured id means: exact, `<id>:latest`, or the only `<id>:<tag>`. */
export function matchModel(available: readonly string[], wanted: string): string | undefined {
  if (available.includes(wanted)) return wanted;
  if (!wanted.includes(':') && available.includes(`${wanted}:latest`)) return `${wanted}:latest`;
  return available.find((a) => a.startsWith(`${wanted}:`));
}

/** Small schema for the structured-output round trip. */
export const RoundTripSchema = z.object({ healthy: z.boolean(), word: z.string() });

/** Removes <think> blocks and code fences around a JSON answer. */
export function stripWrappers(text: string): string {
  const noThink = text.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  const fence = /^```[a-z]*\s*([\s\S]*?)\s*```$/i.exec(noThink);
  return fence ? fence[1]! : noThink;
}

/**
 * One structured-output call with a JSON Schema, down the path every run takes (the executor's
 * deadlines and load checks, the provider's streaming chat), validated with the same zod schema.
 * Throws on failure (TIMEOUT says what the server did).
 */
export async function structuredRoundTrip(
  kind: WireKind,
  endpoint: string,
  model: string,
  o: FetchOpts,
): Promise<z.infer<typeof RoundTripSchema>> {
  const messages = [
    { role: 'system' as const, content: 'Answer with JSON only, matching the schema.' },
    { role: 'user' as const, content: 'Health check: answer with healthy=true and word="ready".' },
  ];
  return checkObject(refFor(kind, endpoint, model, o.provider), messages, RoundTripSchema, callOptions(o));
}

/** Embeds one string through the executor and returns the vector dimension. Throws on failure. */
export async function embedDimension(kind: WireKind, endpoint: string, model: string, o: FetchOpts): Promise<number> {
  const [v] = await checkEmbed(refFor(kind, endpoint, model, o.provider), ['health check'], callOptions(o));
  const dim = v?.length;
  if (!dim) throw new AppError('PROVIDER_ERROR', `model ${model} returned no embedding`);
  return dim;
}

/** Loads an Ollama model into memory (empty generate), absorbing a cold load once. Throws on failure. */
export async function preloadModel(endpoint: string, model: string, keepAlive: string, o: FetchOpts): Promise<void> {
  const p = createProvider('ollama', { endpoint, keepAlive, ...(o.fetch ? { fetch: o.fetch } : {}) });
  await p.preload!(model, deadline(o));
}
