import { planAnswer, findModel, sameModel } from './answers.js';
import { blobRoute, createModel } from './create.js';
import { sendJson, sendText, writeFrame } from './http.js';
import { ensureLoaded, unload } from './loading.js';
import { embedText } from './rng.js';
import { contentText, type Core, type RouteCtx } from './route.js';
import { holdHeaders, streamDeltas, whenReady } from './stream.js';
import { tokenCount } from './tokens.js';
import type { FakeModel, Planned, RunUsage } from './types.js';

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
    details: { ...details(m), parent_model: m.parent ?? '' },
  };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** GET /api/ps: loaded models, and models still loading (Ollama lists them during the load). */
function ps(ctx: RouteCtx) {
  const { core } = ctx;
  const models = core.models
    .filter((m) => core.loaded.has(m.name) || core.loading.has(m.name))
    .map((m) => {
      const loading = core.loading.has(m.name);
      const expires =
        loading && core.loadingExpiry === 'zero'
          ? ZERO_TIME
          : new Date((loading ? Date.now() : core.loaded.get(m.name)!) + 300_000).toISOString();
      return {
        ...tagEntry(m),
        expires_at: expires,
        size_vram: m.sizeBytes ?? 2_019_393_189,
        context_length: m.contextLength ?? 4096,
      };
    });
  return { models };
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
  if (get && path === '/api/ps') return (sendJson(ctx.res, 200, ps(ctx)), true);
  if (await blobRoute(ctx)) return true;
  if (method !== 'POST') return false;
  switch (path) {
    case '/api/show':
      return (await show(ctx), true);
    case '/api/chat':
    case '/api/generate':
      return (await chat(ctx), true);
    case '/api/embed':
    case '/api/embeddings':
      return (await embed(ctx), true);
    case '/api/pull':
      return (await pull(ctx), true);
    case '/api/create':
      return (await createModel(ctx), true);
    default:
      return false;
  }
}

function show(ctx: RouteCtx): void {
  const found = requireModel(ctx);
  if (!found) return;
  const m = found.model;
  const f = family(m);
  const adapters = (m.adapters ?? []).map((d) => `\nADAPTER ${d}`).join('');
  sendJson(ctx.res, 200, {
    modelfile: `FROM ${m.parent ?? m.name}${adapters}`,
    parameters: '',
    template: '{{ .Prompt }}',
    details: { ...details(m), parent_model: m.parent ?? '' },
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
  const fault = ctx.contentFault;
  const loadOpts = {
    numCtx: (body.options as { num_ctx?: unknown } | undefined)?.num_ctx ?? null,
    forceMs: fault?.kind === 'slow-load' ? fault.ms : undefined,
  };
  const unloadAfter = ka === 0 || ka === '0';
  if (messages.length === 0) {
    if (unloadAfter) unload(ctx.core, found.model.name);
    else if ((await ensureLoaded(ctx.core, found.model, ctx.res, loadOpts)) === false) return;
    const reason = unloadAfter ? 'unload' : 'load';
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
    fault,
  );
  if (outcome.type === 'error') return ollamaError(ctx, outcome.status, outcome.message);
  const p = outcome.planned;
  const run = ctx.core.hub.start({
    path: ctx.path,
    model: found.model.name,
    messages,
    content: p.content,
    res: ctx.res,
    delayMs: outcome.delayMs,
    load: () => ensureLoaded(ctx.core, found.model, ctx.res, loadOpts),
  });
  await whenReady(run, async () => {
    if (!stream) {
      if (p.stallAfter !== undefined) return holdHeaders(ctx.res, 'application/json; charset=utf-8');
      if (!(await run.drain())) return;
      return sendJson(ctx.res, 200, { ...frameBase(ctx, p.model, p.content), ...final(p, run.usage()) });
    }
    ctx.res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const end = await streamDeltas(ctx.core, ctx.res, run, p, (text, i) =>
      writeFrame(ctx.res, `${JSON.stringify({ ...frameBase(ctx, p.model, text), done: false })}\n`, i === 0),
    );
    if (end === 'gone') return;
    if (end === 'error') {
      await writeFrame(ctx.res, `${JSON.stringify({ error: p.midStreamError!.message })}\n`);
    } else if (!p.noDone) {
      await writeFrame(ctx.res, `${JSON.stringify({ ...frameBase(ctx, p.model, ''), ...final(p, run.usage()) })}\n`);
    }
    ctx.res.end();
  });
  if (unloadAfter) unload(ctx.core, found.model.name);
}

function frameBase(ctx: RouteCtx, model: string, text: string) {
  const created_at = new Date().toISOString();
  return ctx.path === '/api/chat'
    ? { model, created_at, message: { role: 'assistant', content: text } }
    : { model, created_at, response: text };
}

/** The done chunk's metrics: prompt_eval_count counts the prompt tokens evaluated (not those cached). */
function final(p: Planned, u: RunUsage) {
  // Without a compute model the durations are nominal (4 ms prompt, 20 ms per token).
  const promptNs = u.prefillMs > 0 ? Math.round(u.prefillMs * MS) : 4 * MS;
  const evalNs = u.decodeMs > 0 ? Math.round(u.decodeMs * MS) : u.generatedTokens * 20 * MS;
  const loadNs = u.loadMs > 0 ? Math.round(u.loadMs * MS) : 1 * MS;
  return {
    done: true,
    done_reason: p.finishReason,
    total_duration: Math.round(u.queuedMs * MS) + loadNs + promptNs + evalNs,
    load_duration: loadNs,
    prompt_eval_count: u.evaluatedTokens,
    prompt_eval_duration: promptNs,
    eval_count: u.generatedTokens,
    eval_duration: evalNs,
  };
}

async function embed(ctx: RouteCtx): Promise<void> {
  const found = requireModel(ctx);
  if (!found) return;
  const body = ctx.body!;
  if ((await ensureLoaded(ctx.core, found.model, ctx.res)) === false) return;
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
    prompt_eval_count: texts.reduce((s, t) => s + tokenCount(t), 0),
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
