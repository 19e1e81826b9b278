import { planAnswer, findModel } from './answers.js';
import { sendJson, sendText, writeFrame } from './http.js';
import { ensureLoaded } from './loading.js';
import { contentText, type RouteCtx } from './route.js';
import { holdHeaders, streamDeltas, whenReady } from './stream.js';

function anthropicType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 529 || status === 503) return 'overloaded_error';
  return 'api_error';
}

/** Anthropic's error body: {"type":"error","error":{"type","message"}}. */
export function anthropicError(ctx: RouteCtx, status: number, message: string, shape?: string): void {
  if (shape === 'text') return sendText(ctx.res, status, message);
  sendJson(ctx.res, status, { type: 'error', error: { type: anthropicType(status), message } });
}

/** True when the request looks like an Anthropic API call (it carries anthropic-version). */
export function isAnthropic(ctx: Pick<RouteCtx, 'req' | 'path'>): boolean {
  return ctx.path === '/v1/messages' || (ctx.path === '/v1/models' && !!ctx.req.headers['anthropic-version']);
}

/** Minimal Anthropic Messages API: GET /v1/models and POST /v1/messages (JSON or SSE). */
export async function anthropicRoute(ctx: RouteCtx): Promise<boolean> {
  if (!isAnthropic(ctx)) return false;
  if (!ctx.req.headers['x-api-key']) return (anthropicError(ctx, 401, 'x-api-key header is required'), true);
  if (!ctx.req.headers['anthropic-version'])
    return (anthropicError(ctx, 400, 'anthropic-version: header is required'), true);
  if (ctx.method === 'GET') {
    const data = ctx.core.models
      .filter((m) => m.pulled !== false && !m.embedding)
      .map((m) => ({ type: 'model', id: m.name, display_name: m.name, created_at: '2025-01-01T00:00:00Z' }));
    return (
      sendJson(ctx.res, 200, {
        data,
        has_more: false,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
      }),
      true
    );
  }
  if (ctx.method !== 'POST') return false;
  await messages(ctx);
  return true;
}

async function messages(ctx: RouteCtx): Promise<void> {
  const body = ctx.body;
  if (!body) return anthropicError(ctx, 400, ctx.parseError ?? 'missing request body');
  if (typeof body.max_tokens !== 'number') return anthropicError(ctx, 400, 'max_tokens: Field required');
  const name = String(body.model ?? '');
  const model = findModel(ctx.core.models, name);
  if (!model) return anthropicError(ctx, 404, `model: ${name}`);
  const tools = (body.tools as Array<{ name: string; input_schema: Record<string, unknown> }> | undefined) ?? [];
  const choice = body.tool_choice as { type?: string; name?: string } | undefined;
  const tool = choice?.type === 'tool' ? tools.find((t) => t.name === choice.name) : undefined;
  if (choice?.type === 'tool' && !tool) return anthropicError(ctx, 400, `tool_choice: tool ${choice.name} not found`);
  const msgs = [
    ...(body.system ? [{ role: 'system', content: contentText(body.system) }] : []),
    ...((body.messages as Array<Record<string, unknown>> | undefined) ?? []).map((m) => ({
      role: String(m.role),
      content: contentText(m.content),
    })),
  ];
  const outcome = planAnswer(
    ctx.core,
    {
      api: 'anthropic',
      path: ctx.path,
      model: name,
      messages: msgs,
      schema: tool?.input_schema,
      body,
      jsonMode: false,
      raw: ctx.raw,
      servedModel: model.name,
    },
    ctx.contentFault,
  );
  if (outcome.type === 'error') return anthropicError(ctx, outcome.status, outcome.message);
  const p = outcome.planned;
  const fault = ctx.contentFault;
  const run = ctx.core.hub.start({
    path: ctx.path,
    model: model.name,
    messages: msgs,
    content: p.content,
    res: ctx.res,
    delayMs: outcome.delayMs,
    load: () => ensureLoaded(ctx.core, model, ctx.res, { forceMs: fault?.kind === 'slow-load' ? fault.ms : undefined }),
  });
  const usage = () => {
    const u = run.usage();
    return {
      input_tokens: u.evaluatedTokens,
      output_tokens: u.generatedTokens,
      ...(u.cachedTokens > 0 ? { cache_read_input_tokens: u.cachedTokens } : {}),
    };
  };
  const stop = p.finishReason === 'length' ? 'max_tokens' : tool ? 'tool_use' : 'end_turn';
  const id = `msg_fake${ctx.raw.length}`;
  await whenReady(run, async () => {
    if (body.stream !== true) {
      if (p.stallAfter !== undefined) return holdHeaders(ctx.res, 'application/json');
      if (!(await run.drain())) return;
      let block: Record<string, unknown> = { type: 'text', text: p.content };
      if (tool) {
        try {
          block = { type: 'tool_use', id: 'toolu_fake', name: tool.name, input: JSON.parse(p.content) };
        } catch {
          /* a broken answer stays a text block */
        }
      }
      return sendJson(ctx.res, 200, {
        id,
        type: 'message',
        role: 'assistant',
        model: p.model,
        content: [block],
        stop_reason: stop,
        stop_sequence: null,
        usage: usage(),
      });
    }
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (event: string, data: Record<string, unknown>, split = false) =>
      writeFrame(ctx.res, `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`, split);
    await send('message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        content: [],
        model: p.model,
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage(), output_tokens: 1 },
      },
    });
    await send('content_block_start', {
      index: 0,
      content_block: tool
        ? { type: 'tool_use', id: 'toolu_fake', name: tool.name, input: {} }
        : { type: 'text', text: '' },
    });
    await send('ping', {});
    const end = await streamDeltas(ctx.core, ctx.res, run, p, (text, i) => {
      const delta = tool ? { type: 'input_json_delta', partial_json: text } : { type: 'text_delta', text };
      return send('content_block_delta', { index: 0, delta }, i === 0);
    });
    if (end === 'gone') return;
    if (end === 'error') {
      await send('error', { error: { type: 'overloaded_error', message: p.midStreamError!.message } });
      return void ctx.res.end();
    }
    if (p.noDone) return void ctx.res.end();
    await send('content_block_stop', { index: 0 });
    await send('message_delta', {
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: usage().output_tokens },
    });
    await send('message_stop', {});
    ctx.res.end();
  });
}
