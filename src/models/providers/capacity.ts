/**
 * Reading what an OpenAI-style server says about its parallel capacity, from each server's own
 * endpoints (beside /v1): llama.cpp's llama-server `GET /props` (`total_slots`, its `--parallel`)
 * and `GET /slots` (`is_processing` per slot); vLLM's Prometheus `GET /metrics`
 * (`vllm:num_requests_running` / `vllm:num_requests_waiting`: requests beyond `--max-num-seqs`
 * wait, so while any wait the running count is the limit); LM Studio's `GET /api/v0/models`
 * (`state`: loaded or not; it does not report Max Concurrent Predictions).
 */
import { ProviderError } from '../../errors.js';
import type { CapacityReport, ProviderKind } from '../types.js';
import { vllmMetrics } from './vllm-metrics.js';

type Get = (path: string) => Promise<Response>;

const bad = (what: string) =>
  new ProviderError('PROVIDER_ERROR', `${what}; its capacity will be learned from latency`, {
    hint: 'the server’s capacity endpoint answered something unexpected; set local.capacity to fix the number',
  });

async function jsonOf(res: Response, what: string): Promise<unknown> {
  try {
    return (await res.json()) as unknown;
  } catch {
    throw bad(`${what} is not JSON`);
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4096;

/** llama.cpp server: total slots from /props (else the length of /slots) and busy slots from /slots. */
async function llamaCpp(get: Get, props: Response): Promise<CapacityReport> {
  const p = (await jsonOf(props, 'llama.cpp /props')) as { total_slots?: unknown } | null;
  const slotsRes = await get('/slots');
  // /slots is off unless the server runs with --slots (on by default in current builds).
  const list = slotsRes.ok ? await jsonOf(slotsRes, 'llama.cpp /slots') : void (await slotsRes.arrayBuffer());
  const slots = Array.isArray(list) ? (list as Array<{ is_processing?: unknown }>) : undefined;
  if (list !== undefined && !slots) throw bad('llama.cpp /slots is not a list of slots');
  const total = p && typeof p === 'object' && 'total_slots' in p ? p.total_slots : undefined;
  if (total !== undefined && !isCount(total)) throw bad(`llama.cpp /props says total_slots ${JSON.stringify(total)}`);
  const n = total ?? (slots && slots.length > 0 ? slots.length : undefined);
  if (n === undefined) throw bad('llama.cpp /props has no total_slots');
  return {
    source: total !== undefined ? 'llama.cpp /props' : 'llama.cpp /slots',
    slots: n,
    ...(slots ? { running: slots.filter((s) => s.is_processing === true).length } : {}),
  };
}

/** vLLM: running and waiting requests; the running count is the batch limit only while requests wait. */
async function vllm(metrics: Response): Promise<CapacityReport | undefined> {
  const text = await metrics.text();
  if (!/^vllm:/m.test(text)) return undefined; // some other server's metrics
  const m = vllmMetrics(text);
  if (!m || !Number.isFinite(m.running) || !Number.isFinite(m.waiting) || m.running < 0 || m.waiting < 0)
    throw bad('vLLM /metrics has no readable num_requests_running / num_requests_waiting');
  return {
    source: 'vLLM /metrics',
    running: m.running,
    waiting: m.waiting,
    ...(m.waiting > 0 && m.running >= 1 ? { slots: m.running } : {}),
  };
}

/** LM Studio: whether the model is loaded (its parallel predictions are not reported). */
async function lmStudio(get: Get, model: string): Promise<CapacityReport | undefined> {
  const res = await get('/api/v0/models');
  if (!res.ok) return void (await res.arrayBuffer());
  const v0 = (await jsonOf(res, 'LM Studio /api/v0/models')) as { data?: Array<{ id?: string; state?: string }> };
  const m = v0?.data?.find((d) => d.id === model);
  return { source: 'LM Studio /api/v0/models', loaded: m?.state === 'loaded' };
}

/**
 * The capacity report of an OpenAI-style server: llama.cpp first (/props), then vLLM (/metrics),
 * LM Studio by kind. Undefined when the server has none of these endpoints; throws when one
 * answers with something that cannot be right (the caller falls back to learning).
 */
export async function openAIStyleCapacity(
  kind: ProviderKind,
  model: string,
  get: Get,
): Promise<CapacityReport | undefined> {
  if (kind === 'lmstudio') return lmStudio(get, model);
  const props = await get('/props');
  if (props.ok) return llamaCpp(get, props);
  await props.arrayBuffer();
  const metrics = await get('/metrics');
  if (metrics.ok) return vllm(metrics);
  await metrics.arrayBuffer();
  return undefined;
}
