import { planAnswer, findModel, sameModel } from './answers.js';
import { sendJson, sendText, sleep, writeFrame, pieces, untilClosed } from './http.js';
import { embedText, countTokens } from './rng.js';
import { contentText, type Core, type RouteCtx } from './route.js';
import type { FakeModel, Planned } from './types.js';

const MS = 1_000_000; // durations on the wire are nanoseconds

/** Ollama's native error body: {"error": "..."} (or plain text for a proxy-style failure). */
export function ollamaError(ctx: RouteCtx, status: number, message: string, shape?: string): void {
  if (shape === 'text') sendText(ctx.res, status, message);
  else sendJson(ctx.res, status, { error: message });
}

function family(m: FakeModel): string {
  return m.family ?? (m.embedding ? 'bert' : 'llama');
}

function capabilities(m: FakeModel): string[] {
  return m.capabilities ?? (m.embedding ? ['embedding'] : ['completion', 'tools']);
}

function details(m: FakeModel) {
  return {
    parent_model: '',
    format: 'gguf',
    family: family(m),
    families: [family(m)],
    parameter_size: m.embedding ? '137M' : '3.2B',
    quantization_level: 'Q4_K_M',
  };
}

function tagEntry(m: FakeModel) {
  return {
    name: m.name,
    model: m.name,
    modified_at: '2025-01-01T00:00:00Z',
    size: m.sizeBytes ?? 2_019_393_189,
    digest: `sha256:${Buffer.from(m.name).toString('hex').padEnd(64, '0').slice(0, 64)}`,
    details: details(m),
  };
}

/** Validates model + body common to chat/generate/embed/show; sends the error and returns undefined on failure. */
function requireModel(ctx: RouteCtx): { name: string; model: FakeModel } | undefined {
  if (!ctx.raw.trim()) return void ollamaError(ctx, 400, 'missing request body');
  if (!ctx.body) return void ollamaError(ctx, 400, ctx.parseError ?? 'invalid request body');
  const name = (ctx.body.model ?? ctx.body.name) as string | undefined;
  if (typeof name !== 'string' || !name) return void ollamaError(ctx, 400, 'model is required');
  const model = findModel(ctx.core.models, name);
  if (!model) return void ollamaError(ctx, 404, `model '${name}' not found`);
  return { name, model };
}

const DURATION = /^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** Handles /, /api/*; returns false when the path is not an Ollama route. */
export async function ollamaRoute(ctx: RouteCtx): Promise<boolean> {
  const { method, path, core } = ctx;
  const get = method === 'GET' || method === 'HEAD';
  if (get && path === '/') return (sendText(ctx.res, 200, 'Ollama is running'), true);
  if (get && path === '/api/version') return (sendJson(ctx.res, 200, { version: core.version }), true);
  if (get && path === '/api/tags') {
    return (sendJson(ctx.res, 200, { models: core.models.filter((m) => m.pulled !== false).map(tagEntry) }), true);
  }
  if (get && path === '/api/ps') {
    const models = core.models
      .filter((m) => core.loaded.has(m.name))
      .map((m) => ({
        ...tagEntry(m),
        expires_at: new Date(core.loaded.get(m.name)! + 300_000).toISOString(),
        size_vram: m.sizeBytes ?? 2_019_393_189,
        context_length: m.contextLength ?? 4096,
      }));
    return (sendJson(ctx.res, 200, { models }), true);
  }
  if (method !== 'POST') return false;
  switch (path) {
    case '/api/show':
      return (show(ctx), true);
    case '/api/chat':
    case '/api/generate':
      return (chat(ctx), true);
    case '/api/embed':
    case '/api/embeddings':
      return (embed(ctx), true);
    case '/api/pull':
      return (pull(ctx), true);
    default:
      return false;
  }
}

function show(ctx: RouteCtx): void {
  const found = requireModel(ctx);
  if (!found) return;
  const m = found.model;
  const f = family(m);
  sendJson(ctx.res, 200, {
    modelfile: `FROM ${m.name}`,
    parameters: '',
    template: '{{ .Prompt }}',
    details: details(m),
    model_info: {
      'general.architecture': f,
      'general.parameter_count': m.embedding ? 137_000_000 : 3_200_000_000,
      [`${f}.context_length`]: m.contextLength ?? 4096,
      [`${f}.embedding_length`]: core(ctx).embeddingDim,
    },
    capabilities: capabilities(m),
    modified_at: '2025-01-01T00:00:00Z',
  });
}

function core(ctx: RouteCtx): Core {
  return ctx.core;
}

async function chat(ctx: RouteCtx): Promise<void> {
  const found = requireModel(ctx);
  if (!found) return;
  const body = ctx.body!;
  const isChat = ctx.path === '/api/chat';
  if (!capabilities(found.model).includes('completion')) {
    return ollamaError(ctx, 400, `"${found.name}" does not support ${isChat ? 'chat' : 'generate'}`);
  }
  const ka = body.keep_alive;
  if (typeof ka === 'string' && !DURATION.test(ka)) return ollamaError(ctx, 400, `time: invalid duration "${ka}"`);
  const format = body.format;
  if (
    format !== undefined &&
    format !== 'json' &&
    (typeof format !== 'object' || format === null || Array.isArray(format))
  ) {
    return ollamaError(
      ctx,
      500,
      `invalid format: ${JSON.stringify(format)}; expected "json" or a valid JSON Schema object`,
    );
  }
  const messages = isChat
    ? ((body.messages as Array<Record<string, unknown>> | undefined) ?? []).map((m) => ({
        role: String(m.role),
        content: contentText(m.content),
      }))
    : [
        ...(body.system ? [{ role: 'system', content: String(body.system) }] : []),
        ...(body.prompt ? [{ role: 'user', content: String(body.prompt) }] : []),
      ];
  const stream = body.stream !== false;
  core(ctx).loaded.set(found.model.name, Date.now());
  if (messages.length === 0) {
    const reason = ka === 0 || ka === '0' ? 'unload' : 'load';
    return sendJson(ctx.res, 200, { ...frameBase(ctx, found.model.name, ''), done: true, done_reason: reason });
  }
  const schema = typeof format === 'object' ? (format as Record<string, unknown>) : undefined;
  const outcome = planAnswer(
    core(ctx),
    {
      api: 'ollama',
      path: ctx.path,
      model: found.name,
      messages,
      schema,
      body,
      jsonMode: format === 'json',
      raw: ctx.raw,
      servedModel: found.model.name,
    },
    ctx.contentFault,
  );
  if (outcome.type === 'error') return ollamaError(ctx, outcome.status, outcome.message);
  if (!(await sleep(outcome.delayMs, ctx.res))) return;
  const p = outcome.planned;
  if (!stream) {
    return sendJson(ctx.res, 200, { ...frameBase(ctx, p.model, p.content), ...final(p) });
  }
  ctx.res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const parts = pieces(p.content);
  for (let i = 0; i < parts.length; i++) {
    if (p.midStreamError && i === p.midStreamError.afterPieces) break;
    if (p.stallAfter === i) return untilClosed(ctx.res);
    if (
      !(await writeFrame(
        ctx.res,
        JSON.stringify({ ...frameBase(ctx, p.model, parts[i]!), done: false }) + '\n',
        i === 0,
      ))
    )
      return;
  }
  if (p.midStreamError) {
    await writeFrame(ctx.res, JSON.stringify({ error: p.midStreamError.message }) + '\n');
  } else if (!p.noDone) {
    await writeFrame(ctx.res, JSON.stringify({ ...frameBase(ctx, p.model, ''), ...final(p) }) + '\n');
  }
  ctx.res.end();
}

function frameBase(ctx: RouteCtx, model: string, text: string) {
  const created_at = new Date().toISOString();
  return ctx.path === '/api/chat'
    ? { model, created_at, message: { role: 'assistant', content: text } }
    : { model, created_at, response: text };
}

function final(p: Planned) {
  const evalCount = Math.max(1, countTokens(p.content));
  return {
    done: true,
    done_reason: p.finishReason,
    total_duration: (5 + evalCount * 20) * MS,
    load_duration: 1 * MS,
    prompt_eval_count: p.promptTokens,
    prompt_eval_duration: 4 * MS,
    eval_count: evalCount,
    eval_duration: evalCount * 20 * MS,
  };
}

function embed(ctx: RouteCtx): void {
  const found = requireModel(ctx);
  if (!found) return;
  const body = ctx.body!;
  core(ctx).loaded.set(found.model.name, Date.now());
  const dim = typeof body.dimensions === 'number' ? body.dimensions : core(ctx).embeddingDim;
  if (ctx.path === '/api/embeddings') {
    return sendJson(ctx.res, 200, { embedding: embedText(String(body.prompt ?? ''), dim) });
  }
  const input = body.input;
  const texts = Array.isArray(input) ? input.map(String) : [String(input ?? '')];
  sendJson(ctx.res, 200, {
    model: found.model.name,
    embeddings: texts.map((t) => embedText(t, dim)),
    total_duration: 10 * MS,
    load_duration: 1 * MS,
    prompt_eval_count: texts.reduce((s, t) => s + countTokens(t), 0),
  });
}

async function pull(ctx: RouteCtx): Promise<void> {
  if (!ctx.body) return ollamaError(ctx, 400, ctx.parseError ?? 'missing request body');
  const name = (ctx.body.model ?? ctx.body.name) as string | undefined;
  if (!name) return ollamaError(ctx, 400, 'model is required');
  const model = ctx.core.models.find((m) => sameModel(m.name, name));
  const lines: unknown[] = [{ status: 'pulling manifest' }];
  if (!model) {
    lines.push({ error: 'pull model manifest: file does not exist' });
  } else {
    const total = model.sizeBytes ?? 2_019_393_189;
    const digest = `sha256:${Buffer.from(model.name).toString('hex').padEnd(64, '0').slice(0, 64)}`;
    for (const part of [0, 0.5, 1])
      lines.push({ status: `pulling ${digest.slice(7, 19)}`, digest, total, completed: Math.round(total * part) });
    lines.push({ status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' });
    model.pulled = true;
  }
  if (ctx.body.stream === false) {
    const last = lines[lines.length - 1] as Record<string, unknown>;
    return last.error ? ollamaError(ctx, 500, String(last.error)) : sendJson(ctx.res, 200, last);
  }
  ctx.res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const l of lines) if (!(await writeFrame(ctx.res, JSON.stringify(l) + '\n'))) return;
  ctx.res.end();
}
