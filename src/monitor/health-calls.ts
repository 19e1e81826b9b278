import type { ResolvedConfig } from '../config/schema.js';
import { isAppError } from '../errors.js';
import {
  describeProbeError,
  embedDimension,
  matchModel,
  structuredRoundTrip,
  type ServerProbe,
  type WireKind,
} from './probes.js';

/** One line of the health report. */
export interface HealthCheck {
  name: string;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  detail: string;
  hint?: string;
  ms?: number;
}

/** Where health calls a model. */
export interface ModelSite {
  kind: WireKind;
  provider: string;
  endpoint: string;
  model: string;
}

/** Options of health's test calls (the runs' path, with health's short deadline). */
export interface CallOptions {
  timeoutMs: number;
  probeMs?: number;
  keepAlive?: string;
  fetch?: typeof fetch;
}

const ms = (t0: number) => Math.round(performance.now() - t0);

/** A test call cut while the server was loading a model: a cold start, not a failure. */
function loading(e: unknown): boolean {
  return isAppError(e) && e.code === 'TIMEOUT' && /load was in progress/.test(String(e.details?.loadNote ?? ''));
}

/** One JSON-Schema round trip on the main (or default) model. */
export async function roundTripCheck(main: ModelSite | undefined, co: CallOptions): Promise<HealthCheck> {
  if (!main) return { name: 'structured output', status: 'skip', detail: 'no usable chat model' };
  const t0 = performance.now();
  try {
    await structuredRoundTrip(main.kind, main.endpoint, main.model, { ...co, provider: main.provider });
    return {
      name: 'structured output',
      status: 'pass',
      detail: `${main.model} returned schema-valid JSON`,
      ms: ms(t0),
    };
  } catch (e) {
    const f = describeProbeError(e, main.provider, main.endpoint, main.model);
    return {
      name: 'structured output',
      status: loading(e) ? 'warn' : 'fail',
      detail: `${main.model}: ${f.error}`,
      hint: f.hint,
      ms: ms(t0),
    };
  }
}

/** The embedding model's vector dimension ('warn' when there is none: research uses the offline embedder). */
export async function embeddingCheck(
  config: ResolvedConfig,
  servers: { provider: string; kind: WireKind; endpoint: string; probe: ServerProbe }[],
  fo: { timeoutMs: number; probeMs?: number; keepAlive?: string; fetch?: typeof fetch },
): Promise<HealthCheck> {
  const want = config.local.embeddingModel;
  const alias = want ? config.local.registry[want] : undefined;
  const wantModel = alias?.model ?? want;
  const site = servers
    .filter((s) => s.probe.ok)
    .map((s) => ({
      s,
      m: wantModel
        ? matchModel(
            s.probe.models.map((x) => x.name),
            wantModel,
          )
        : s.probe.models.find((x) => x.embedding)?.name,
    }))
    .find((x) => x.m);
  if (!site) {
    return wantModel
      ? {
          name: 'embeddings',
          status: 'fail',
          detail: `embedding model ${wantModel} not found on any reachable server`,
          hint: `run \`ollama pull ${wantModel}\``,
        }
      : {
          name: 'embeddings',
          status: 'warn',
          detail: 'no embedding model found; research falls back to the offline embedder',
          hint: 'for better retrieval: `ollama pull nomic-embed-text`',
        };
  }
  const t0 = performance.now();
  try {
    const dim = await embedDimension(site.s.kind, site.s.endpoint, site.m!, { ...fo, provider: site.s.provider });
    return { name: 'embeddings', status: 'pass', detail: `${site.m}: ${dim} dimensions`, ms: ms(t0) };
  } catch (e) {
    const f = describeProbeError(e, site.s.provider, site.s.endpoint, site.m);
    const status = loading(e) ? 'warn' : 'fail';
    return { name: 'embeddings', status, detail: `${site.m}: ${f.error}`, hint: f.hint, ms: ms(t0) };
  }
}
