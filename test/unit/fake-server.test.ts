import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Ollama } from 'ollama';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { extractJson } from '../../src/models/text.js';
import { REPO_ROOT } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';

let fake: FakeServer;
beforeEach(async () => {
  fake = await startFakeServer();
});
afterEach(async () => {
  await fake.close();
});

const post = (path: string, body: unknown) =>
  fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const user = (content: string) => [{ role: 'user', content }];

async function ollamaJson(schema: z.ZodType, prompt: string): Promise<unknown> {
  const res = await post('/api/chat', {
    model: 'llama3.2',
    messages: user(prompt),
    stream: false,
    format: z.toJSONSchema(schema),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { message: { content: string } };
  return JSON.parse(body.message.content);
}

function sseEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((e) => e.replace(/^data: /, ''));
}

describe('fake LLM server: Ollama native framing', () => {
  it('streams NDJSON lines ending in a done chunk with nanosecond metrics', async () => {
    const res = await post('/api/chat', { model: 'llama3.2', messages: user('tell me about sqlite') });
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.slice(0, -1).every((l) => l.done === false)).toBe(true);
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ done: true, done_reason: 'stop', message: { role: 'assistant', content: '' } });
    expect(last.eval_count).toBeGreaterThan(0);
    expect(last.eval_duration).toBeGreaterThan(1_000_000);
    expect(typeof last.prompt_eval_count).toBe('number');
  });

  it('keeps a multibyte character split across socket writes intact through the official client', async () => {
    const content = 'naïve café — 日本語 ✓ 🚀 done';
    fake.enqueue({ content });
    const client = new Ollama({ host: fake.url });
    let joined = '';
    for await (const part of await client.chat({ model: 'llama3.2', messages: user('x'), stream: true }))
      joined += part.message.content;
    expect(joined).toBe(content);
  });

  it('answers load/unload for empty messages and reports model errors in Ollama shapes', async () => {
    expect(await (await post('/api/chat', { model: 'llama3.2', messages: [] })).json()).toMatchObject({
      done: true,
      done_reason: 'load',
    });
    expect(await (await post('/api/chat', { model: 'llama3.2', messages: [], keep_alive: 0 })).json()).toMatchObject({
      done_reason: 'unload',
    });
    const missing = await post('/api/chat', { model: 'nope', messages: user('hi') });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "model 'nope' not found" });
    const noModel = await post('/api/show', {});
    expect([noModel.status, await noModel.json()]).toEqual([400, { error: 'model is required' }]);
    const embedOnly = await post('/api/chat', { model: 'nomic-embed-text', messages: user('hi') });
    expect(await embedOnly.json()).toEqual({ error: '"nomic-embed-text" does not support chat' });
    const badFormat = await post('/api/chat', { model: 'llama3.2', messages: user('hi'), format: 'yaml' });
    expect(badFormat.status).toBe(500);
  });

  it('serves tags, show (context length, capabilities), version, ps and pull', async () => {
    fake.setModels([
      { name: 'qwen2.5:7b', contextLength: 32768, family: 'qwen2' },
      { name: 'mxbai-embed-large:latest', embedding: true, family: 'bert' },
      { name: 'phi4:latest', pulled: false },
    ]);
    const tags = (await (await fetch(`${fake.url}/api/tags`)).json()) as { models: Array<{ name: string }> };
    expect(tags.models.map((m) => m.name)).toEqual(['qwen2.5:7b', 'mxbai-embed-large:latest']);
    const show = (await (await post('/api/show', { model: 'qwen2.5:7b' })).json()) as Record<string, any>;
    expect(show.model_info['qwen2.context_length']).toBe(32768);
    expect(show.capabilities).toContain('completion');
    expect(((await (await post('/api/show', { model: 'mxbai-embed-large' })).json()) as any).capabilities).toEqual([
      'embedding',
    ]);
    expect(await (await fetch(`${fake.url}/api/version`)).json()).toEqual({ version: '0.12.6' });
    expect(await (await fetch(fake.url)).text()).toBe('Ollama is running');
    const pull = (await (await post('/api/pull', { model: 'phi4' })).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(pull[0]).toEqual({ status: 'pulling manifest' });
    expect(pull.at(-1)).toEqual({ status: 'success' });
    expect(pull.some((l) => l.total > 0 && typeof l.completed === 'number')).toBe(true);
    const unknown = await post('/api/pull', { model: 'no-such-model' });
    expect(unknown.status).toBe(200);
    expect(
      (await unknown.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ status: 'pulling manifest' }, { error: 'pull model manifest: file does not exist' }]);
    await post('/api/chat', { model: 'phi4', messages: user('hi'), stream: false });
    const ps = (await (await fetch(`${fake.url}/api/ps`)).json()) as {
      models: Array<{ name: string; context_length: number }>;
    };
    expect(ps.models.map((m) => m.name)).toEqual(['phi4:latest']);
  });

  it('embeds batches as deterministic unit vectors where shared words mean similarity', async () => {
    const res = (await (
      await post('/api/embed', {
        model: 'nomic-embed-text',
        input: ['red apple pie', 'red apple tart', 'quantum tunnelling'],
      })
    ).json()) as { embeddings: number[][] };
    expect(res.embeddings).toHaveLength(3);
    const [a, b, c] = res.embeddings as [number[], number[], number[]];
    expect(a).toHaveLength(384);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a, a)).toBeCloseTo(1, 6);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c) + 0.3);
    const again = (await (await post('/api/embed', { model: 'nomic-embed-text', input: 'red apple pie' })).json()) as {
      embeddings: number[][];
    };
    expect(again.embeddings[0]).toEqual(a);
  });
});

describe('fake LLM server: OpenAI-compatible framing', () => {
  it('streams SSE with role first, finish_reason in its own chunk, a usage chunk and [DONE]', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'llama3.2',
      messages: user('hello there'),
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const finish = chunks.at(-2);
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
    });
    const text = chunks
      .slice(0, -2)
      .map((c) => c.choices[0].delta.content)
      .join('');
    expect(text.length).toBeGreaterThan(10);
  });

  it('lists models per flavor and returns errors in each server shape', async () => {
    fake.setModels([]);
    expect(await (await fetch(`${fake.url}/v1/models`)).json()).toEqual({ object: 'list', data: null });
    const lms = await startFakeServer({ flavor: 'lmstudio', models: [] });
    const local = await startFakeServer({ flavor: 'localai' });
    try {
      const noModel = await fetch(`${lms.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'x', messages: user('hi') }),
      });
      expect([noModel.status, await noModel.json()]).toEqual([
        400,
        { error: "No models loaded. Please load a model in the developer page or use the 'lms load' command." },
      ]);
      lms.setModels([{ name: 'qwen2.5-7b-instruct' }, { name: 'gemma-3-4b' }]);
      const jsonObject = await fetch(`${lms.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'gemma-3-4b', messages: user('hi'), response_format: { type: 'json_object' } }),
      });
      expect(await jsonObject.json()).toEqual({ error: "'response_format.type' must be 'json_schema' or 'text'" });
      const invalid = await fetch(`${lms.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'x', messages: user('hi') }),
      });
      expect(((await invalid.json()) as any).error).toMatchObject({ code: 'model_not_found', param: 'model' });
      const v0 = (await (await fetch(`${lms.url}/api/v0/models`)).json()) as any;
      expect(v0.data[0]).toMatchObject({ id: 'qwen2.5-7b-instruct', type: 'llm', max_context_length: 4096 });
      const la = await fetch(`${local.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'x', messages: user('hi') }),
      });
      expect([la.status, await la.json()]).toEqual([
        404,
        {
          error: {
            code: 404,
            message: 'model "x" not found. To see available models, call GET /v1/models',
            type: 'invalid_request_error',
          },
        },
      ]);
      expect(((await (await fetch(`${local.url}/v1/models`)).json()) as any).data[0]).toEqual({
        id: 'llama3.2:latest',
        object: 'model',
      });
    } finally {
      await lms.close();
      await local.close();
    }
  });

  it('embeds via /v1/embeddings with index order', async () => {
    const res = (await (
      await post('/v1/embeddings', { model: 'nomic-embed-text', input: ['a b', 'c d'] })
    ).json()) as any;
    expect(res.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    expect(res.data[0].embedding).toHaveLength(384);
  });
});

describe('fake LLM server: schema-driven answers', () => {
  const shapes: Array<[string, z.ZodType]> = [
    [
      'flat object with bounds',
      z.object({
        title: z.string().min(5).max(40),
        priority: z.enum(['high', 'medium', 'low']),
        effort: z.number().int().min(1).max(8),
        score: z.number().min(0).max(1),
        done: z.boolean(),
      }),
    ],
    [
      'arrays of nested objects',
      z.object({
        tasks: z
          .array(
            z.object({ id: z.number().int().positive(), details: z.string(), deps: z.array(z.number().int()).max(2) }),
          )
          .min(3)
          .max(5),
      }),
    ],
    [
      'nullable, optional, union, formats',
      z.object({
        note: z.string().nullable(),
        extra: z.string().optional(),
        value: z.union([z.number(), z.string()]),
        mail: z.email(),
        id: z.uuid(),
        when: z.iso.datetime(),
      }),
    ],
    ['top-level array with exact length', z.array(z.string().length(3)).length(4)],
    [
      'open and exclusive numeric bounds',
      z.object({
        a: z.number().int(),
        b: z.number().int().negative(),
        c: z.number().gt(0).lt(1),
        d: z.number().int().multipleOf(5).min(1).max(30),
      }),
    ],
    [
      'tuples, records, literals and unique items',
      z.object({
        pair: z.tuple([z.string(), z.number()]),
        tags: z.record(z.string(), z.string()),
        kind: z.literal('task'),
        ids: z
          .array(z.enum(['a', 'b', 'c', 'd']))
          .min(3)
          .refine((x) => x.length > 0),
      }),
    ],
    [
      'recursive tree',
      z.object({
        name: z.string(),
        get children() {
          return z.array(subtree).max(2);
        },
      }),
    ],
  ];
  const subtree: z.ZodType = z.lazy(() => z.object({ name: z.string(), children: z.array(subtree).max(2) }));

  it.each(shapes)('answers %s with a valid instance', async (_name, schema) => {
    const value = await ollamaJson(schema, 'Build the login page with OAuth and tests');
    expect(schema.safeParse(value).success).toBe(true);
  });

  it('is deterministic per request and built from prompt words', async () => {
    const schema = z.object({ summary: z.string().min(10) });
    const a = (await ollamaJson(schema, 'Refactor the billing module')) as { summary: string };
    const b = (await ollamaJson(schema, 'Refactor the billing module')) as { summary: string };
    expect(a).toEqual(b);
    expect(
      a.summary.split(' ').every((w) => ['Refactor', 'the', 'billing', 'module'].includes(w) || /^x+$/.test(w)),
    ).toBe(true);
  });

  it('honours OpenAI json_schema response_format', async () => {
    const schema = z.object({ steps: z.array(z.string()).min(2).max(3) });
    const res = (await (
      await post('/v1/chat/completions', {
        model: 'llama3.2',
        messages: user('plan a migration'),
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'x', strict: true, schema: z.toJSONSchema(schema) },
        },
      })
    ).json()) as any;
    expect(schema.safeParse(JSON.parse(res.choices[0].message.content)).success).toBe(true);
    expect(res.usage.total_tokens).toBe(res.usage.prompt_tokens + res.usage.completion_tokens);
  });
});

describe('fake LLM server: scripting and faults', () => {
  const schema = z.object({ title: z.string(), n: z.number().int().min(1).max(3) });
  const ask = () =>
    post('/api/chat', {
      model: 'llama3.2',
      messages: user('add dark mode'),
      stream: false,
      format: z.toJSONSchema(schema),
    });
  const content = async (r: Response) => ((await r.json()) as { message: { content: string } }).message.content;

  it('uses queued replies in order (per model), then the script, then defaults', async () => {
    fake.enqueue(
      { json: { title: 'first', n: 1 } },
      { content: 'for phi only', model: 'phi4' },
      { status: 503, error: 'busy' },
    );
    fake.script((ctx) => (ctx.schema ? { json: { title: `scripted ${ctx.model}`, n: 2 } } : undefined));
    expect(JSON.parse(await content(await ask()))).toEqual({ title: 'first', n: 1 });
    const busy = await ask();
    expect([busy.status, await busy.json()]).toEqual([503, { error: 'busy' }]);
    expect(JSON.parse(await content(await ask()))).toEqual({ title: 'scripted llama3.2', n: 2 });
    fake.script(undefined);
    expect(schema.safeParse(JSON.parse(await content(await ask()))).success).toBe(true);
  });

  it('shapes answers: schema-break fails validation; fenced, prose and think still yield the JSON', async () => {
    fake.fault({ kind: 'schema-break' });
    const broken = JSON.parse(await content(await ask()));
    expect(schema.safeParse(broken).success).toBe(false);
    for (const kind of ['fenced', 'prose', 'think'] as const) {
      fake.fault({ kind });
      const text = await content(await ask());
      expect(() => JSON.parse(text)).toThrow();
      const got = extractJson(text);
      expect(got.ok && schema.safeParse(got.value).success).toBe(true);
    }
    fake.fault({ kind: 'malformed' });
    expect(extractJson(await content(await ask())).ok).toBe(false);
    fake.fault({ kind: 'truncated' });
    const cut = (await (await ask()).json()) as { done_reason: string; message: { content: string } };
    expect(cut.done_reason).toBe('length');
    expect(extractJson(cut.message.content).ok).toBe(false);
  });

  it('injects status faults in each API shape, for `times` requests, filtered by path and model', async () => {
    fake.fault({ kind: 'status', status: 503, times: 2 });
    expect(await (await ask()).json()).toEqual({
      error: 'server busy, please try again.  maximum pending requests exceeded',
    });
    expect((await ask()).status).toBe(503);
    expect((await ask()).status).toBe(200);
    fake.fault({ kind: 'status', status: 500, message: 'boom', shape: 'text', path: /^\/api\/version$/ });
    const v = await fetch(`${fake.url}/api/version`);
    expect([v.status, v.headers.get('content-type'), await v.text()]).toEqual([
      500,
      'text/plain; charset=utf-8',
      'boom',
    ]);
    fake.fault({ kind: 'status', status: 404, model: 'other' });
    expect((await ask()).status).toBe(200);
    fake.reset();
    fake.fault({ kind: 'status', status: 400, message: 'nope' });
    const oa = await post('/v1/chat/completions', { model: 'llama3.2', messages: user('x') });
    expect(await oa.json()).toEqual({
      error: { message: 'nope', type: 'invalid_request_error', param: null, code: null },
    });
    fake.fault({ kind: 'status', status: 400, message: 'nope', shape: 'string' });
    expect(await (await post('/v1/chat/completions', { model: 'llama3.2', messages: user('x') })).json()).toEqual({
      error: 'nope',
    });
  });

  it('fails mid-stream with HTTP 200 and an error line / event', async () => {
    fake.fault({ kind: 'mid-stream-error', times: 2 });
    const nd = await post('/api/chat', { model: 'llama3.2', messages: user('go on') });
    expect(nd.status).toBe(200);
    const lines = (await nd.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toEqual({ error: 'an error was encountered while running the model' });
    expect(lines.some((l) => l.done === true)).toBe(false);
    const sse = sseEvents(
      await (await post('/v1/chat/completions', { model: 'llama3.2', messages: user('go on'), stream: true })).text(),
    );
    expect(JSON.parse(sse.at(-1)!).error.message).toMatch(/error was encountered/);
    expect(sse).not.toContain('[DONE]');
  });

  it('ends a stream without done, drops sockets, and hangs until close', async () => {
    fake.fault({ kind: 'no-done' });
    const lines = (await (await post('/api/chat', { model: 'llama3.2', messages: user('hi') })).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.every((l) => l.done === false)).toBe(true);
    fake.fault({ kind: 'drop' });
    await expect(post('/api/chat', { model: 'llama3.2', messages: user('hi') })).rejects.toThrow(/fetch failed/);
    fake.fault({ kind: 'hang' });
    const hung = post('/api/chat', { model: 'llama3.2', messages: user('hi') });
    const settled = hung.then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 50));
    await fake.close();
    expect(await settled).toBe('failed');
    fake = await startFakeServer();
  });

  it('fails a seeded share of requests with failRate, the same way each run', async () => {
    const run = async () => {
      const s = await startFakeServer();
      s.failRate({ probability: 0.5, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++)
        statuses.push(
          (
            await fetch(`${s.url}/api/embed`, {
              method: 'POST',
              body: JSON.stringify({ model: 'nomic-embed-text', input: 'x' }),
            })
          ).status,
        );
      await s.close();
      return statuses;
    };
    const a = await run();
    expect(a).toEqual(await run());
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it('records requests and counts per path', async () => {
    await ask();
    await fetch(`${fake.url}/api/tags`);
    expect(fake.counts()).toEqual({ '/api/chat': 1, '/api/tags': 1 });
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/chat',
      body: { model: 'llama3.2', stream: false },
    });
  });
});

describe('fake LLM server: standalone', () => {
  it('prints its URL when run with --port', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/test/support/fake-llm-server.js'), '--port', '0']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => resolve(d.toString().trim()));
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${url}/api/version`)).json()).toEqual({ version: '0.12.6' });
    } finally {
      child.kill();
    }
  });
});
