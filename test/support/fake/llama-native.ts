/**
 * llama.cpp's native `POST /completion` (alias `/completions`): a raw prompt (no chat template),
 * `n_predict`, `json_schema`, `cache_prompt` (default true), `stream` (SSE `data:` lines). The final
 * object carries `tokens_evaluated` (the prompt's tokens), `tokens_cached` (what the slot holds after
 * the answer: prompt + generated, as llama-server reports it), `timings` (`cache_n` = prompt tokens
 * reused) and `id_slot`.
 */
import { planAnswer } from './answers.js';
import { flavorError, llamaTimings } from './flavors.js';
import { sendJson, writeFrame } from './http.js';
import type { RouteCtx } from './route.js';
import { holdHeaders, streamDeltas, whenReady } from './stream.js';

/** Handles POST /completion for the llamacpp flavor; false for any other request. */
export async function llamaCompletion(ctx: RouteCtx): Promise<boolean> {
  if (ctx.core.flavor !== 'llamacpp' || ctx.method !== 'POST') return false;
  if (ctx.path !== '/completion' && ctx.path !== '/completions') return false;
  const body = ctx.body;
  const bad = (message: string) => sendJson(ctx.res, 400, { error: flavorError('llamacpp', 400, message) });
  if (!body) return (bad(ctx.parseError ?? 'Failed to parse the request body'), true);
  const raw = body.prompt;
  const prompt = Array.isArray(raw) ? raw.filter((p) => typeof p === 'string').join('') : raw;
  if (typeof prompt !== 'string') return (bad('"prompt" must be a string or an array of strings'), true);
  const model = ctx.core.models.find((m) => m.pulled !== false && !m.embedding);
  if (!model) return (bad('no model loaded'), true);
  const schema =
    body.json_schema && typeof body.json_schema === 'object'
      ? (body.json_schema as Record<string, unknown>)
      : undefined;
  const outcome = planAnswer(
    ctx.core,
    {
      api: 'openai',
      path: ctx.path,
      model: model.name,
      messages: [{ role: 'user', content: prompt }],
      schema,
      body,
      jsonMode: false,
      raw: ctx.raw,
      servedModel: model.name,
    },
    ctx.contentFault,
  );
  if (outcome.type === 'error') {
    sendJson(ctx.res, outcome.status, { error: flavorError('llamacpp', outcome.status, outcome.message) });
    return true;
  }
  const p = outcome.planned;
  const run = ctx.core.hub.start({
    path: ctx.path,
    model: model.name,
    messages: [],
    prompt,
    reuseCache: body.cache_prompt !== false,
    content: p.content,
    res: ctx.res,
    delayMs: outcome.delayMs,
    load: async () => 0,
  });
  const final = () => {
    const u = run.usage();
    return {
      index: 0,
      content: '',
      tokens: [],
      id_slot: u.slot ?? 0,
      stop: true,
      model: model.name,
      tokens_predicted: u.generatedTokens,
      tokens_evaluated: u.promptTokens,
      generation_settings: { n_ctx: model.contextLength ?? 4096, n_predict: body.n_predict ?? -1 },
      prompt,
      has_new_line: p.content.includes('\n'),
      truncated: false,
      stop_type: p.finishReason === 'length' ? 'limit' : 'eos',
      stopping_word: '',
      tokens_cached: u.promptTokens + u.generatedTokens,
      timings: llamaTimings(u),
    };
  };
  await whenReady(run, async () => {
    if (body.stream !== true) {
      if (p.stallAfter !== undefined) return holdHeaders(ctx.res, 'application/json; charset=utf-8');
      if (!(await run.drain())) return;
      return sendJson(ctx.res, 200, { ...final(), content: p.content });
    }
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (obj: unknown, split = false) => writeFrame(ctx.res, `data: ${JSON.stringify(obj)}\n\n`, split);
    const end = await streamDeltas(ctx.core, ctx.res, run, p, (text, i) =>
      send({ index: 0, content: text, tokens: [], stop: false, id_slot: run.usage().slot ?? 0 }, i === 0),
    );
    if (end === 'gone') return;
    if (end === 'error') await send({ error: flavorError('llamacpp', 500, p.midStreamError!.message) });
    else if (!p.noDone) await send(final());
    ctx.res.end();
  });
  return true;
}
