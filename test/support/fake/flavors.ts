/**
 * What distinguishes llama.cpp's llama-server and vLLM from the other OpenAI-compatible servers:
 * capacity endpoints (llama.cpp `GET /props`, `/slots`, `/health`, `/metrics`; vLLM `/metrics`,
 * `/health`, `/version`), error bodies, usage fields (llama.cpp `timings`, vLLM
 * `prompt_tokens_details.cached_tokens`), and llama.cpp's 503 while its model loads. Capacity
 * endpoints report the compute model's real slots and queue unless told to lie (`lieCapacity`).
 */
import { sendJson, sendText } from './http.js';
import { serverLoading } from './loading.js';
import type { Core, RouteCtx } from './route.js';
import type { Flavor, RunUsage } from './types.js';

const LLAMA_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  501: 'not_supported_error',
  503: 'unavailable_error',
};
const VLLM_TYPES: Record<number, string> = {
  400: 'BadRequestError',
  401: 'Unauthorized',
  404: 'NotFoundError',
  429: 'TooManyRequests',
  501: 'NotImplementedError',
  503: 'ServiceUnavailableError',
};

/** The `error` object of llama.cpp (`{code, message, type}`) and vLLM (`{message, type, param, code}`). */
export function flavorError(flavor: Flavor, status: number, message: string, param: string | null = null) {
  if (flavor === 'vllm') return { message, type: VLLM_TYPES[status] ?? 'InternalServerError', param, code: status };
  return { code: status, message, type: LLAMA_TYPES[status] ?? 'server_error' };
}

/** OpenAI-style `usage` as each server fills it. Ollama's /v1 reports the evaluated (uncached) prompt tokens. */
export function openaiUsage(flavor: Flavor, u: RunUsage): Record<string, unknown> {
  const prompt = flavor === 'ollama' ? u.evaluatedTokens : u.promptTokens;
  const usage: Record<string, unknown> = {
    prompt_tokens: prompt,
    completion_tokens: u.generatedTokens,
    total_tokens: prompt + u.generatedTokens,
  };
  // vLLM (with --enable-prompt-tokens-details) and current llama-server both report the cached prefix here.
  if (flavor === 'vllm' || flavor === 'llamacpp') usage.prompt_tokens_details = { cached_tokens: u.cachedTokens };
  return usage;
}

/** llama.cpp's `timings` object (cache_n = prompt tokens reused from the slot's KV cache). */
export function llamaTimings(u: RunUsage): Record<string, number> {
  const rate = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : 1e6);
  return {
    cache_n: u.cachedTokens,
    prompt_n: u.evaluatedTokens,
    prompt_ms: u.prefillMs,
    prompt_per_token_ms: u.evaluatedTokens > 0 ? u.prefillMs / u.evaluatedTokens : 0,
    prompt_per_second: rate(u.evaluatedTokens, u.prefillMs),
    predicted_n: u.generatedTokens,
    predicted_ms: u.decodeMs,
    predicted_per_token_ms: u.generatedTokens > 0 ? u.decodeMs / u.generatedTokens : 0,
    predicted_per_second: rate(u.generatedTokens, u.decodeMs),
  };
}

function capacity(core: Core) {
  const lie = core.lie ?? {};
  return {
    total: lie.totalSlots ?? core.hub.slotCount,
    running: lie.running ?? core.hub.running(),
    waiting: lie.waiting ?? core.hub.waiting(),
  };
}

function chatModel(core: Core): string {
  return core.models.find((m) => m.pulled !== false && !m.embedding)?.name ?? 'model.gguf';
}

function slotJson(core: Core, id: number, busy: boolean, taskId: number, decoded: number) {
  const n_ctx = core.models.find((m) => !m.embedding)?.contextLength ?? 4096;
  return {
    id,
    id_task: taskId,
    n_ctx,
    speculative: false,
    is_processing: busy,
    params: { n_predict: -1, seed: 4294967295, temperature: 0.8, top_k: 40, top_p: 0.95, stream: true, lora: [] },
    next_token: { has_next_token: busy, has_new_line: false, n_remain: -1, n_decoded: decoded },
  };
}

function llamaSlots(core: Core) {
  const real = core.hub.slots();
  const { total } = capacity(core);
  const lie = core.lie;
  return Array.from({ length: total }, (_, i) => {
    const s = real[i];
    const busy = lie?.running !== undefined ? i < lie.running : !!s?.busy;
    return slotJson(core, i, busy, s?.taskId ?? -1, s?.decoded ?? 0);
  });
}

function prometheus(lines: Array<[name: string, type: string, help: string, value: number, labels: string]>): string {
  let out = '';
  for (const [name, type, help, value, labels] of lines) {
    const sample = type === 'counter' && !name.endsWith('_total') ? `${name}_total` : name;
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${sample}${labels} ${Number.isInteger(value) ? value.toFixed(1) : value}\n`;
  }
  return out;
}

function metrics(core: Core): string {
  const c = capacity(core);
  const t = core.hub.stats();
  if (core.flavor === 'vllm') {
    const l = `{engine="0",model_name="${chatModel(core)}"}`;
    return prometheus([
      ['vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.', c.running, l],
      ['vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', c.waiting, l],
      ['vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', c.running > 0 ? 0.1 : 0, l],
      [
        'vllm:prefix_cache_queries',
        'counter',
        'Prefix cache queries, in terms of number of queried tokens.',
        t.promptTokens,
        l,
      ],
      [
        'vllm:prefix_cache_hits',
        'counter',
        'Prefix cache hits, in terms of number of cached tokens.',
        t.cachedTokens,
        l,
      ],
      ['vllm:prompt_tokens', 'counter', 'Number of prefill tokens processed.', t.promptTokens, l],
      ['vllm:generation_tokens', 'counter', 'Number of generation tokens processed.', t.generatedTokens, l],
    ]);
  }
  return prometheus([
    ['llamacpp:prompt_tokens_total', 'counter', 'Number of prompt tokens processed.', t.evaluatedTokens, ''],
    ['llamacpp:tokens_predicted_total', 'counter', 'Number of generation tokens processed.', t.generatedTokens, ''],
    ['llamacpp:requests_processing', 'gauge', 'Number of requests processing.', c.running, ''],
    ['llamacpp:requests_deferred', 'gauge', 'Number of requests deferred.', c.waiting, ''],
  ]);
}

/**
 * llama.cpp and vLLM routes outside the OpenAI API, plus llama.cpp's 503 while loading. Returns
 * true when it answered.
 */
export function flavorRoute(ctx: RouteCtx): boolean {
  const { core, path, method, res } = ctx;
  if (core.flavor !== 'llamacpp' && core.flavor !== 'vllm') return false;
  const llama = core.flavor === 'llamacpp';
  if (llama && serverLoading(core)) {
    sendJson(res, 503, { error: flavorError('llamacpp', 503, 'Loading model') });
    return true;
  }
  if (method !== 'GET') return false;
  const capacityPath = path === '/props' || path === '/slots' || path === '/metrics';
  if (capacityPath && core.lie?.malformed) {
    sendText(
      res,
      200,
      llama ? '{"total_slots": "many", "default_generation_settings": null' : 'vllm:num_requests_running{',
    );
    return true;
  }
  if (path === '/health' || path === '/v1/health') {
    if (llama) sendJson(res, 200, { status: 'ok' });
    else sendText(res, 200, '');
    return true;
  }
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(metrics(core));
    return true;
  }
  if (!llama && path === '/version') return (sendJson(res, 200, { version: core.version }), true);
  if (llama && path === '/props') {
    const slot = slotJson(core, 0, false, -1, 0);
    sendJson(res, 200, {
      default_generation_settings: { ...slot, prompt: '' },
      total_slots: capacity(core).total,
      model_path: `/models/${chatModel(core)}.gguf`,
      chat_template:
        '{% for message in messages %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{% endfor %}',
      modalities: { vision: false, audio: false },
      build_info: 'b6000-fake',
    });
    return true;
  }
  if (llama && path === '/slots') {
    const slots = llamaSlots(core);
    const fail = new URL(ctx.req.url ?? '/', 'http://x').searchParams.get('fail_on_no_slot');
    if (fail && fail !== '0' && slots.every((s) => s.is_processing)) {
      sendJson(res, 503, { error: flavorError('llamacpp', 503, 'no slot available') });
    } else {
      sendJson(res, 200, slots);
    }
    return true;
  }
  return false;
}

/** The 404 of paths a server does not have (llama.cpp's JSON error, FastAPI's detail for vLLM). */
export function flavorNotFound(ctx: RouteCtx): boolean {
  if (ctx.core.flavor === 'llamacpp') {
    sendJson(ctx.res, 404, { error: flavorError('llamacpp', 404, 'File Not Found') });
    return true;
  }
  if (ctx.core.flavor === 'vllm') {
    sendJson(ctx.res, 404, { detail: 'Not Found' });
    return true;
  }
  return false;
}
