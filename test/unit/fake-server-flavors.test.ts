import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startFakeServer, tokenize, type FakeServer, type FakeServerOptions } from '../support/fake-llm-server.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});
async function start(opts: FakeServerOptions): Promise<FakeServer> {
  fake = await startFakeServer(opts);
  return fake;
}
const get = async (s: FakeServer, path: string) => {
  const res = await fetch(`${s.url}${path}`);
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
};
const chat = (s: FakeServer, body: Record<string, unknown>, signal?: AbortSignal) =>
  fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ messages: [{ role: 'user', content: 'plan the billing work' }], ...body }),
    signal,
  });
const waitFor = async (cond: () => boolean | Promise<boolean>) => {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
};
/** A request that holds a slot (it stalls after its first token) until aborted. */
function hold(s: FakeServer, body: Record<string, unknown>) {
  const ctl = new AbortController();
  s.fault({ kind: 'stall', afterPieces: 1 });
  const done = chat(s, { stream: true, ...body }, ctl.signal)
    .then((r) => r.text())
    .catch(() => 'aborted');
  return { abort: () => ctl.abort(), done };
}

describe('fake server as llama.cpp llama-server', () => {
  it('reports health, props (total_slots, n_ctx) and per-slot state that follows the real slots', async () => {
    const s = await start({
      flavor: 'llamacpp',
      compute: { slots: 2 },
      models: [{ name: 'qwen', contextLength: 16384 }],
    });
    expect((await get(s, '/health')).json()).toEqual({ status: 'ok' });
    const props = (await get(s, '/props')).json();
    expect(props).toMatchObject({ total_slots: 2, default_generation_settings: { n_ctx: 16384 } });
    const busy = hold(s, { model: 'whatever' });
    await waitFor(() => s.inFlight().running === 1);
    const slots = (await get(s, '/slots')).json() as Array<{ id: number; is_processing: boolean }>;
    expect(slots.map((x) => [x.id, x.is_processing])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect((await get(s, '/slots?fail_on_no_slot=1')).status).toBe(200);
    const second = hold(s, { model: 'whatever' });
    await waitFor(() => s.inFlight().running === 2);
    const full = await get(s, '/slots?fail_on_no_slot=1');
    expect(full.status).toBe(503);
    expect(full.json()).toEqual({ error: { code: 503, message: 'no slot available', type: 'unavailable_error' } });
    expect((await get(s, '/metrics')).text).toMatch(/^llamacpp:requests_processing 2\.0$/m);
    busy.abort();
    second.abort();
    await Promise.all([busy.done, second.done]);
  });

  it('serves its one model whatever the name, with llama.cpp error bodies and 404s', async () => {
    const s = await start({ flavor: 'llamacpp' });
    const ok = await chat(s, { model: 'gpt-4o' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { model: string }).model).toBe('gpt-4o');
    const models = (await get(s, '/v1/models')).json();
    expect(models.data[0]).toMatchObject({ id: 'llama3.2:latest', owned_by: 'llamacpp', meta: { n_ctx_train: 8192 } });
    const missing = await get(s, '/api/tags');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 404, message: 'File Not Found', type: 'not_found_error' } });
    s.fault({ kind: 'status', status: 400, message: 'Failed to parse grammar' });
    const bad = await chat(s, { model: 'x' });
    expect(await bad.json()).toEqual({
      error: { code: 400, message: 'Failed to parse grammar', type: 'invalid_request_error' },
    });
  });

  it('native /completion: raw prompt, tokens_evaluated, tokens_cached (slot content) and timings.cache_n', async () => {
    const s = await start({ flavor: 'llamacpp', compute: { slots: 1 } });
    const prompt = 'Summarise the billing requirements in one line.';
    const complete = async (extra: Record<string, unknown> = {}) =>
      (await (
        await fetch(`${s.url}/completion`, {
          method: 'POST',
          body: JSON.stringify({ prompt, n_predict: 64, ...extra }),
        })
      ).json()) as Record<string, any>;
    const first = await complete();
    const n = tokenize(prompt).length;
    expect(first).toMatchObject({ stop: true, id_slot: 0, tokens_evaluated: n, timings: { cache_n: 0, prompt_n: n } });
    expect(first.tokens_cached).toBe(n + first.tokens_predicted);
    expect((await complete()).timings).toMatchObject({ cache_n: n - 1, prompt_n: 1 });
    expect((await complete({ cache_prompt: false })).timings).toMatchObject({ cache_n: 0, prompt_n: n });
    const events = (
      await (
        await fetch(`${s.url}/completion`, { method: 'POST', body: JSON.stringify({ prompt, stream: true }) })
      ).text()
    )
      .split('\n\n')
      .filter(Boolean)
      .map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(events.slice(0, -1).every((e) => e.stop === false)).toBe(true);
    expect(events.at(-1)).toMatchObject({ stop: true, timings: { cache_n: n - 1 } });
    const chatUsage = ((await (await chat(s, { model: 'm' })).json()) as { usage: Record<string, unknown> }).usage;
    expect(chatUsage.prompt_tokens_details).toEqual({ cached_tokens: 0 });
  });

  it('answers 503 "Loading model" while its model loads at start', async () => {
    const s = await start({ flavor: 'llamacpp', loadMs: 60_000 });
    const health = await get(s, '/health');
    expect(health.status).toBe(503);
    expect(health.json()).toEqual({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
    expect((await chat(s, { model: 'x' })).status).toBe(503);
  });

  it('lies or fails about its capacity on demand', async () => {
    const s = await start({ flavor: 'llamacpp', compute: { slots: 1 } });
    s.lieCapacity({ totalSlots: 16, running: 0 });
    expect((await get(s, '/props')).json().total_slots).toBe(16);
    expect((await get(s, '/slots')).json()).toHaveLength(16);
    s.lieCapacity({ malformed: true });
    await expect((async () => (await get(s, '/props')).json())()).rejects.toThrow(SyntaxError);
    s.lieCapacity(undefined);
    s.fault({ kind: 'status', status: 500, path: /^\/props$/, times: 2 });
    expect((await get(s, '/props')).status).toBe(500);
    expect((await get(s, '/props')).status).toBe(500);
    expect((await get(s, '/props')).json().total_slots).toBe(1);
  });
});

describe('fake server as vLLM', () => {
  const model = 'Qwen/Qwen2.5-7B-Instruct';

  it('exposes running and waiting requests in /metrics as the queue really is', async () => {
    const s = await start({ flavor: 'vllm', compute: { slots: 1 }, models: [{ name: model }] });
    const metric = async (name: string) =>
      Number(
        new RegExp(`^vllm:${name}\\{engine="0",model_name="${model}"\\} (\\S+)$`, 'm').exec(
          (await get(s, '/metrics')).text,
        )?.[1],
      );
    expect([await metric('num_requests_running'), await metric('num_requests_waiting')]).toEqual([0, 0]);
    const a = hold(s, { model });
    await waitFor(async () => (await metric('num_requests_running')) === 1);
    const b = chat(s, { model });
    await waitFor(async () => (await metric('num_requests_waiting')) === 1);
    a.abort();
    expect((await b).status).toBe(200);
    await a.done;
    expect([await metric('num_requests_running'), await metric('num_requests_waiting')]).toEqual([0, 0]);
    expect((await get(s, '/health')).text).toBe('');
    expect((await get(s, '/version')).json()).toEqual({ version: expect.any(String) });
  });

  it("accepts guided_json and structured_outputs, and answers errors in vLLM's body shape", async () => {
    const s = await start({ flavor: 'vllm', models: [{ name: model }] });
    const schema = z.object({ tasks: z.array(z.object({ title: z.string() })).min(1) });
    for (const extra of [
      { guided_json: z.toJSONSchema(schema) },
      { structured_outputs: { json: z.toJSONSchema(schema) } },
    ]) {
      const body = (await (await chat(s, { model, ...extra })).json()) as {
        choices: Array<{ message: { content: string } }>;
      };
      expect(() => schema.parse(JSON.parse(body.choices[0]!.message.content))).not.toThrow();
    }
    const missing = await chat(s, { model: 'qwen2.5' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { message: 'The model `qwen2.5` does not exist.', type: 'NotFoundError', param: 'model', code: 404 },
    });
    const list = (await get(s, '/v1/models')).json();
    expect(list.data[0]).toMatchObject({ id: model, owned_by: 'vllm', max_model_len: 4096 });
    expect((await get(s, '/api/tags')).json()).toEqual({ detail: 'Not Found' });
  });
});

describe('fake server: model loading as Ollama and LM Studio report it', () => {
  it('Ollama holds the first request without headers while /api/ps lists the loading model', async () => {
    const s = await start({ loadMs: 60_000 });
    const ctl = new AbortController();
    let headers = false;
    const pending = fetch(`${s.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
      signal: ctl.signal,
    })
      .then(() => void (headers = true))
      .catch(() => undefined);
    await waitFor(() => s.requests.length === 1);
    const ps = (await get(s, '/api/ps')).json();
    expect(ps.models).toHaveLength(1);
    expect(ps.models[0]).toMatchObject({ name: 'llama3.2:latest', context_length: 8192 });
    expect(Date.parse(ps.models[0].expires_at)).toBeGreaterThan(Date.now());
    expect(headers).toBe(false);
    ctl.abort();
    await pending;
  });

  it('older Ollama reports a loading model with the zero expiry; a slow-load fault reloads a loaded model', async () => {
    const s = await start({ loadingExpiry: 'zero', preload: ['llama3.2'] });
    expect((await get(s, '/api/ps')).json().models[0].expires_at).not.toBe('0001-01-01T00:00:00Z');
    s.fault({ kind: 'slow-load', ms: 60_000 });
    const ctl = new AbortController();
    const pending = fetch(`${s.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
      signal: ctl.signal,
    }).catch(() => undefined);
    await waitFor(() => s.requests.length === 1);
    expect((await get(s, '/api/ps')).json().models[0].expires_at).toBe('0001-01-01T00:00:00Z');
    ctl.abort();
    await pending;
  });

  it('a short load delays the answer and is reported as load_duration; LM Studio lists the model as loaded after', async () => {
    const s = await start({ loadMs: 30 });
    const body = (await (
      await fetch(`${s.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: false }),
      })
    ).json()) as { load_duration: number };
    expect(body.load_duration).toBeGreaterThanOrEqual(25_000_000);
    expect(s.tokens().records[0]!.loadMs).toBeGreaterThanOrEqual(25);
    await s.close();
    const lm = await start({ flavor: 'lmstudio', loadMs: 5, models: [{ name: 'qwen2.5-7b-instruct' }] });
    const state = async () => (await get(lm, '/api/v0/models')).json().data[0].state;
    expect(await state()).toBe('not-loaded');
    expect((await chat(lm, { model: 'qwen2.5-7b-instruct' })).status).toBe(200);
    expect(await state()).toBe('loaded');
  });
});
