import { planAnswer, findModel } from './answers.js';
import { sendJson, sendText, sleep, writeFrame, pieces, untilClosed } from './http.js';
import { embedText, countTokens } from './rng.js';
import { contentText, errorType, type RouteCtx } from './route.js';
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
  if (path === '/v1/chat/completions') return (chat(ctx), true);
  if (path === '/v1/embeddings') return (embeddings(ctx), true);
  return false;
}

function present(ctx: RouteCtx): FakeModel[] {
  return ctx.core.models.filter((m) => m.pulled !== false);
}

function listModels(ctx: RouteCtx): void {
  const models = present(ctx);
  const flavor = ctx.core.flavor;
  const data = models.map((m) =>
    flavor === 'lmstudio'
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
      state: 'loaded',
      max_context_length: m.contextLength ?? 4096,
    })),
  });
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

async function chat(ctx: RouteCtx): Promise<void> {
  const model = resolveModel(ctx, false);
  if (!model) return;
  const body = ctx.body!;
  const rf = body.response_format as { type?: string; json_schema?: { schema?: Record<string, unknown> } } | undefined;
  if (rf?.type === 'json_object' && ctx.core.flavor === 'lmstudio') {
    return openaiError(ctx, 400, "'response_format.type' must be 'json_schema' or 'text'", 'string');
  }
  if (rf?.type === 'json_schema' && (!rf.json_schema || typeof rf.json_schema.schema !== 'object')) {
    return openaiError(ctx, 400, "'response_format.json_schema.schema' is required");
  }
  const messages = ((body.messages as Array<Record<string, unknown>> | undefined) ?? []).map((m) => ({
    role: String(m.role),
    content: contentText(m.content),
  }));
  if (messages.length === 0) return openaiError(ctx, 400, "'messages' must contain at least one message");
  ctx.core.loaded.set(model.name, Date.now());
  const outcome = planAnswer(
    ctx.core,
    {
      api: 'openai',
      path: ctx.path,
      model: String(body.model),
      messages,
      schema: rf?.json_schema?.schema,
      body,
      jsonMode: rf?.type === 'json_object',
      raw: ctx.raw,
      servedModel: model.name,
    },
    ctx.contentFault,
  );
  if (outcome.type === 'error') return openaiError(ctx, outcome.status, outcome.message);
  if (!(await sleep(outcome.delayMs, ctx.res))) return;
  const p = outcome.planned;
  const id = `chatcmpl-${ctx.raw.length % 999}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: p.promptTokens, completion_tokens: Math.max(1, countTokens(p.content)) };
  const fullUsage = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  const base = { id, created, model: p.model, system_fingerprint: 'fp_ollama' };
  if (body.stream !== true) {
    return sendJson(ctx.res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: p.content }, finish_reason: p.finishReason }],
      usage: fullUsage,
    });
  }
  ctx.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (obj: unknown, split = false) => writeFrame(ctx.res, `data: ${JSON.stringify(obj)}\n\n`, split);
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const parts = pieces(p.content);
  for (let i = 0; i < parts.length; i++) {
    if (p.midStreamError && i === p.midStreamError.afterPieces) break;
    if (p.stallAfter === i) return untilClosed(ctx.res);
    const delta = i === 0 ? { role: 'assistant', content: parts[i] } : { content: parts[i] };
    if (!(await send(chunk(delta, null), i === 0))) return;
  }
  if (p.midStreamError) {
    await send({ error: { message: p.midStreamError.message, type: 'api_error', param: null, code: null } });
    return void ctx.res.end();
  }
  if (p.noDone) return void ctx.res.end();
  await send(chunk({}, p.finishReason));
  const opts = body.stream_options as { include_usage?: boolean } | undefined;
  if (opts?.include_usage) await send({ ...base, object: 'chat.completion.chunk', choices: [], usage: fullUsage });
  await writeFrame(ctx.res, 'data: [DONE]\n\n');
  ctx.res.end();
}

function embeddings(ctx: RouteCtx): void {
  const model = resolveModel(ctx, true);
  if (!model) return;
  const body = ctx.body!;
  const input = body.input;
  const texts = Array.isArray(input) ? input.map(String) : [String(input ?? '')];
  const dim = typeof body.dimensions === 'number' ? body.dimensions : ctx.core.embeddingDim;
  ctx.core.loaded.set(model.name, Date.now());
  const data = texts.map((t, index) => ({ object: 'embedding', embedding: embedText(t, dim), index }));
  if (ctx.core.shuffleEmbeddings) data.reverse();
  const tokens = texts.reduce((s, t) => s + countTokens(t), 0);
  sendJson(ctx.res, 200, {
    object: 'list',
    data,
    model: model.name,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}
