import { planAnswer, findModel } from './answers.js';
import { flavorError, llamaTimings, openaiUsage } from './flavors.js';
import { sendJson, sendText, writeFrame } from './http.js';
import { ensureLoaded } from './loading.js';
import { embedText } from './rng.js';
import { contentText, errorType, type RouteCtx } from './route.js';
import { holdHeaders, streamDeltas, whenReady } from './stream.js';
import { tokenCount } from './tokens.js';
import type { FakeModel } from './types.js';

const NO_MODELS = "No models loaded. Please load a model in the developer page or use the 'lms load' command.";

/**
 * OpenAI-style error. `shape` 'string' gives LM Studio's `{"error":"msg"}`, 'text' a plain body;
 * the default object shape follows the flavor (LocalAI puts the status number in `code`).
 */
export function openaiError(
  ctx: RouteCtx,
  status: number,
  message: string,
  shape?: string,
  extra: Record<string, unknown> = {},
): void {
  if (shape === 'text') return sendText(ctx.res, status, message);
  if (shape === 'string') return sendJson(ctx.res, status, { error: message });
  const flavor = ctx.core.flavor;
  if (flavor === 'llamacpp' || flavor === 'vllm') {
    return sendJson(ctx.res, status, { error: { ...flavorError(flavor, status, message), ...extra } });
  }
  const error =
    ctx.core.flavor === 'localai'
      ? { code: status, message, type: errorType(status === 404 ? 400 : status), ...extra }
      : { message, type: errorType(status), param: null, code: null, ...extra };
  sendJson(ctx.res, status, { error });
}

/** Handles /v1/models, /v1/chat/completions, /v1/embeddings and LM Studio's /api/v0/models. */
export async function openaiRoute(ctx: RouteCtx): Promise<boolean> {
  const { method, path } = ctx;
  if (method === 'GET' && path === '/v1/models') return (listModels(ctx), true);
  if (method === 'GET' && path === '/api/v0/models' && ctx.core.flavor === 'lmstudio') return (v0Models(ctx), true);
  if (method !== 'POST') return false;
  if (path === '/v1/chat/completions') return (await chat(ctx), true);
  if (path === '/v1/embeddings') return (await embeddings(ctx), true);
  return false;
}

function present(ctx: RouteCtx): FakeModel[] {
  return ctx.core.models.filter((m) => m.pulled !== false);
}

function listModels(ctx: RouteCtx): void {
  const models = present(ctx);
  const flavor = ctx.core.flavor;
  const data = models.map((m) =>
    flavor === 'llamacpp'
      ? {
          id: m.name,
          object: 'model',
          created: 1735689600,
          owned_by: 'llamacpp',
          meta: {
            vocab_type: 2,
            n_vocab: 128256,
            n_ctx_train: m.contextLength ?? 4096,
            n_embd: 3072,
            n_params: 3_212_749_824,
            size: m.sizeBytes ?? 2_019_393_189,
          },
        }
      : flavor === 'vllm'
        ? {
            id: m.name,
            object: 'model',
            created: 1735689600,
            owned_by: 'vllm',
            root: m.name,
            parent: null,
            max_model_len: m.contextLength ?? 4096,
            permission: [],
          }
        : flavor === 'lmstudio'
          ? { id: m.name, object: 'model', owned_by: 'organization_owner' }
          : flavor === 'localai'
            ? { id: m.name, object: 'model' }
            : {
                id: m.name,
                object: 'model',
                created: 1735689600,
                owned_by: m.name.includes('/') ? m.name.split('/')[0] : 'library',
              },
  );
  // Ollama serialises an empty Go slice as null here.
  sendJson(ctx.res, 200, { object: 'list', data: data.length === 0 && flavor === 'ollama' ? null : data });
}

function v0Models(ctx: RouteCtx): void {
  sendJson(ctx.res, 200, {
    object: 'list',
    data: present(ctx).map((m) => ({
      id: m.name,
      object: 'model',
      type: m.embedding ? 'embeddings' : 'llm',
      publisher: 'fake',
      arch: m.family ?? 'llama',
      compatibility_type: 'gguf',
      quantization: 'Q4_K_M',
      state: lmLoaded(ctx, m) ? 'loaded' : 'not-loaded',
      max_context_length: m.contextLength ?? 4096,
    })),
  });
}

/** LM Studio lists a model as loaded once used, or always when no load time is configured. */
function lmLoaded(ctx: RouteCtx, m: FakeModel): boolean {
  return ctx.core.loaded.has(m.name) || (m.loadMs ?? ctx.core.loadMs) <= 0;
}

/** Resolves the requested model the way the flavor does; sends the error and returns undefined on failure. */
function resolveModel(ctx: RouteCtx, wantEmbedding: boolean): FakeModel | undefined {
  if (!ctx.body) return void openaiError(ctx, 400, ctx.parseError ?? 'missing request body');
  const name = ctx.body.model;
  const flavor = ctx.core.flavor;
  const candidates = present(ctx).filter((m) => !!m.embedding === wantEmbedding);
  if (flavor === 'lmstudio' && candidates.length === 0) return void openaiError(ctx, 400, NO_MODELS, 'string');
  if (typeof name !== 'string' || !name) {
    return void openaiError(ctx, 400, 'model is required', undefined, flavor === 'lmstudio' ? { param: 'model' } : {});
  }
  // llama-server serves its one model whatever the name; vLLM knows only its exact served name.
  if (flavor === 'llamacpp' && candidates.length > 0) return candidates[0];
  if (flavor === 'vllm') {
    const exact = candidates.find((m) => m.name === name);
    if (exact) return exact;
    return void openaiError(ctx, 404, `The model \`${name}\` does not exist.`, undefined, { param: 'model' });
  }
  const found = findModel(ctx.core.models, name);
  if (found) return found;
  // LM Studio ignores the model field when exactly one model is loaded.
  if (flavor === 'lmstudio' && candidates.length === 1) return candidates[0];
  if (flavor === 'lmstudio') {
    return void openaiError(
      ctx,
      400,
      `Invalid model identifier "${name}". Please specify a valid downloaded model (e.g., ${candidates[0]!.name}).`,
      undefined,
      { param: 'model', code: 'model_not_found' },
    );
  }
  // LocalAI skips the existence check for Hugging Face style names.
  if (flavor === 'localai' && name.includes('/')) return { name };
  if (flavor === 'localai') {
    return void openaiError(ctx, 404, `model "${name}" not found. To see available models, call GET /v1/models`);
  }
  return void openaiError(ctx, 404, `model "${name}" not found, try pulling it first`);
}

type ResponseFormat = {
  type?: string;
  schema?: Record<string, unknown>;
  json_schema?: { schema?: Record<string, unknown> };
};

/** The JSON Schema a request asks for: response_format, llama.cpp's json_schema, vLLM's guided_json / structured_outputs. */
function requestedSchema(
  body: Record<string, unknown>,
  rf: ResponseFormat | undefined,
): Record<string, unknown> | undefined {
  const obj = (v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  return (
    obj(rf?.json_schema?.schema) ??
    obj(rf?.type === 'json_object' ? rf.schema : undefined) ??
    obj(body.json_schema) ??
    obj(body.guided_json) ??
    obj((body.structured_outputs as { json?: unknown } | undefined)?.json)
  );
}

async function chat(ctx: RouteCtx): Promise<void> {
  const model = resolveModel(ctx, false);
  if (!model) return;
  const body = ctx.body!;
  const flavor = ctx.core.flavor;
  const rf = body.response_format as ResponseFormat | undefined;
  if (rf?.type === 'json_object' && flavor === 'lmstudio') {
    return openaiError(ctx, 400, "'response_format.type' must be 'json_schema' or 'text'", 'string');
  }
  if (rf && flavor === 'vllm' && rf.type !== 'text' && rf.type !== 'json_object' && oldVllm(ctx.core.version)) {
    // vLLM before 0.6: response_format took 'text' or 'json_object' only (structured output: guided_json);
    // its errors were a top-level object, not wrapped in `error`.
    const msg = `[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': "Input should be 'text' or 'json_object'", 'input': '${rf.type}', 'ctx': {'expected': "'text' or 'json_object'"}}]`;
    return sendJson(ctx.res, 400, { object: 'error', message: msg, type: 'BadRequestError', param: null, code: 400 });
  }
  if (rf?.type === 'json_schema' && (!rf.json_schema || typeof rf.json_schema.schema !== 'object')) {
    return openaiError(ctx, 400, "'response_format.json_schema.schema' is required");
  }
  const messages = ((body.messages as Array<Record<string, unknown>> | undefined) ?? []).map((m) => ({
    role: String(m.role),
    content: contentText(m.content),
  }));
  if (messages.length === 0) return openaiError(ctx, 400, "'messages' must contain at least one message");
  const schema = requestedSchema(body, rf);
  const outcome = planAnswer(
    ctx.core,
    {
      api: 'openai',
      path: ctx.path,
      model: String(body.model),
      messages,
      schema,
      body,
      jsonMode: rf?.type === 'json_object' && !schema,
      raw: ctx.raw,
      servedModel: flavor === 'llamacpp' ? String(body.model ?? model.name) : model.name,
    },
    ctx.contentFault,
  );
  if (outcome.type === 'error') return openaiError(ctx, outcome.status, outcome.message);
  const p = outcome.planned;
  const fault = ctx.contentFault;
  const run = ctx.core.hub.start({
    path: ctx.path,
    model: model.name,
    messages,
    content: p.content,
    res: ctx.res,
    delayMs: outcome.delayMs,
    load: () => ensureLoaded(ctx.core, model, ctx.res, { forceMs: fault?.kind === 'slow-load' ? fault.ms : undefined }),
  });
  const id = `chatcmpl-${ctx.raw.length % 999}`;
  const created = Math.floor(Date.now() / 1000);
  const fingerprint = flavor === 'llamacpp' ? 'b6000-fake' : flavor === 'vllm' ? undefined : 'fp_ollama';
  const base = { id, created, model: p.model, system_fingerprint: fingerprint };
  const extras = () => (flavor === 'llamacpp' ? { timings: llamaTimings(run.usage()) } : {});
  await whenReady(run, async () => {
    if (body.stream !== true) {
      if (p.stallAfter !== undefined) return holdHeaders(ctx.res, 'application/json');
      if (!(await run.drain())) return;
      return sendJson(ctx.res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: p.content }, finish_reason: p.finishReason }],
        usage: openaiUsage(flavor, run.usage()),
        ...extras(),
      });
    }
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (obj: unknown, split = false) => writeFrame(ctx.res, `data: ${JSON.stringify(obj)}\n\n`, split);
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const end = await streamDeltas(ctx.core, ctx.res, run, p, (text, i) =>
      send(chunk(i === 0 ? { role: 'assistant', content: text } : { content: text }, null), i === 0),
    );
    if (end === 'gone') return;
    if (end === 'error') {
      await send({ error: { message: p.midStreamError!.message, type: 'api_error', param: null, code: null } });
      return void ctx.res.end();
    }
    if (p.noDone) return void ctx.res.end();
    const opts = body.stream_options as { include_usage?: boolean } | undefined;
    // llama.cpp puts its timings on the last chunk: the usage chunk when there is one.
    await send({ ...chunk({}, p.finishReason), ...(opts?.include_usage ? {} : extras()) });
    if (opts?.include_usage) {
      await send({
        ...base,
        object: 'chat.completion.chunk',
        choices: [],
        usage: openaiUsage(flavor, run.usage()),
        ...extras(),
      });
    }
    await writeFrame(ctx.res, 'data: [DONE]\n\n');
    ctx.res.end();
  });
}

async function embeddings(ctx: RouteCtx): Promise<void> {
  const model = resolveModel(ctx, true);
  if (!model) return;
  const body = ctx.body!;
  const input = body.input;
  const texts = Array.isArray(input) ? input.map(String) : [String(input ?? '')];
  const dim = typeof body.dimensions === 'number' ? body.dimensions : ctx.core.embeddingDim;
  if ((await ensureLoaded(ctx.core, model, ctx.res)) === false) return;
  const data = texts.map((t, index) => ({ object: 'embedding', embedding: embedText(t, dim), index }));
  if (ctx.core.shuffleEmbeddings) data.reverse();
  const tokens = texts.reduce((s, t) => s + tokenCount(t), 0);
  sendJson(ctx.res, 200, {
    object: 'list',
    data,
    model: model.name,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/** vLLM versions before 0.6 (no json_schema response_format). */
function oldVllm(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major === 0 && (minor ?? 0) < 6;
}
