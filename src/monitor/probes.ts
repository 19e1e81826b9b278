import { z } from 'zod';
import { classifyFailure } from '../diagnostics/classify.js';
import { diagnoseByRules, unreachableHint } from '../diagnostics/diagnose.js';

// Plain fetch on purpose: `health` must not load the provider SDKs, and probes stay cheap.

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
  error?: string;
  hint?: string;
}

interface FetchOpts {
  timeoutMs: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** GET/POST returning parsed JSON; non-2xx throws an error carrying status and body text. */
export async function fetchJson(
  url: string,
  init: { method?: string; body?: unknown },
  o: FetchOpts,
): Promise<unknown> {
  const signals = [AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])];
  const res = await (o.fetch ?? fetch)(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.body === undefined ? undefined : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.any(signals),
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { error?: string | { message?: string } };
      message = typeof body.error === 'string' ? body.error : (body.error?.message ?? message);
    } catch {
      // non-JSON error body (e.g. a reverse proxy): keep the text
    }
    throw Object.assign(new Error(`HTTP ${res.status}: ${message}`), { status: res.status });
  }
  return text ? JSON.parse(text) : {};
}

/** Error text plus the hint a user can act on, from the rule-based diagnosis. */
export function describeProbeError(
  e: unknown,
  provider: string,
  endpoint: string,
  model?: string,
): { error: string; hint?: string } {
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

/** Probes a server: version (Ollama) and its model list. Never throws. */
export async function probeServer(
  kind: WireKind,
  provider: string,
  endpoint: string,
  o: FetchOpts,
): Promise<ServerProbe> {
  const t0 = performance.now();
  const base = endpoint.replace(/\/+$/, '');
  try {
    if (kind === 'ollama') {
      const v = (await fetchJson(`${base}/api/version`, {}, o)) as { version?: string };
      const tags = (await fetchJson(`${base}/api/tags`, {}, o)) as {
        models?: { name: string; details?: { family?: string; families?: string[] }; capabilities?: string[] }[];
      };
      const models = (tags.models ?? []).map((m) => ({
        name: m.name,
        embedding:
          (m.capabilities?.includes('embedding') && !m.capabilities.includes('completion')) ||
          /bert/i.test(m.details?.family ?? '') ||
          isEmbeddingName(m.name),
      }));
      return { ok: true, endpoint: base, version: v.version, latencyMs: performance.now() - t0, models };
    }
    const list = (await fetchJson(`${base}/models`, {}, o)) as { data?: { id: string }[] | null };
    const models = (list.data ?? []).map((m) => ({ name: m.id, embedding: isEmbeddingName(m.id) }));
    return { ok: true, endpoint: base, latencyMs: performance.now() - t0, models };
  } catch (e) {
    return {
      ok: false,
      endpoint: base,
      latencyMs: performance.now() - t0,
      models: [],
      ...describeProbeError(e, provider, base),
    };
  }
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

/** One structured-output call with a JSON Schema, validated with the same zod schema. Throws on failure. */
export async function structuredRoundTrip(
  kind: WireKind,
  endpoint: string,
  model: string,
  o: FetchOpts,
): Promise<z.infer<typeof RoundTripSchema>> {
  const schema = z.toJSONSchema(RoundTripSchema) as Record<string, unknown>;
  const messages = [
    { role: 'system', content: 'Answer with JSON only, matching the schema.' },
    { role: 'user', content: 'Health check: answer with healthy=true and word="ready".' },
  ];
  const base = endpoint.replace(/\/+$/, '');
  let text: string;
  if (kind === 'ollama') {
    const r = (await fetchJson(
      `${base}/api/chat`,
      { body: { model, messages, stream: false, format: schema, options: { temperature: 0 } } },
      o,
    )) as {
      message?: { content?: string };
    };
    text = r.message?.content ?? '';
  } else {
    const r = (await fetchJson(
      `${base}/chat/completions`,
      {
        body: {
          model,
          messages,
          stream: false,
          temperature: 0,
          response_format: { type: 'json_schema', json_schema: { name: 'health', strict: true, schema } },
        },
      },
      o,
    )) as { choices?: { message?: { content?: string } }[] };
    text = r.choices?.[0]?.message?.content ?? '';
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripWrappers(text));
  } catch {
    throw Object.assign(new Error(`model ${model} returned invalid JSON: ${text.slice(0, 80)}`), {
      code: 'MODEL_OUTPUT_INVALID',
    });
  }
  const v = RoundTripSchema.safeParse(parsed);
  if (!v.success)
    throw Object.assign(new Error(`model ${model} answer does not match the schema: ${v.error.issues[0]?.message}`), {
      code: 'MODEL_OUTPUT_INVALID',
    });
  return v.data;
}

/** Embeds one string and returns the vector dimension. Throws on failure. */
export async function embedDimension(kind: WireKind, endpoint: string, model: string, o: FetchOpts): Promise<number> {
  const base = endpoint.replace(/\/+$/, '');
  if (kind === 'ollama') {
    const r = (await fetchJson(`${base}/api/embed`, { body: { model, input: ['health check'] } }, o)) as {
      embeddings?: number[][];
    };
    const dim = r.embeddings?.[0]?.length;
    if (!dim) throw new Error(`model ${model} returned no embedding`);
    return dim;
  }
  const r = (await fetchJson(`${base}/embeddings`, { body: { model, input: ['health check'] } }, o)) as {
    data?: { embedding: number[] }[];
  };
  const dim = r.data?.[0]?.embedding?.length;
  if (!dim) throw new Error(`model ${model} returned no embedding`);
  return dim;
}

/** Loads an Ollama model into memory (empty generate), absorbing a cold load once. Throws on failure. */
export async function preloadModel(endpoint: string, model: string, keepAlive: string, o: FetchOpts): Promise<void> {
  await fetchJson(
    `${endpoint.replace(/\/+$/, '')}/api/generate`,
    { body: { model, stream: false, keep_alive: keepAlive } },
    o,
  );
}
