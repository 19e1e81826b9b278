import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProviderError } from '../../../src/errors.js';
import { createProvider } from '../../../src/models/providers/index.js';
import { startFakeServer, type FakeServer, type FakeServerOptions } from '../../support/fake-llm-server.js';
import { closedPort, collect, failure } from './helpers.js';

const servers: FakeServer[] = [];
async function server(opts: FakeServerOptions = {}): Promise<FakeServer> {
  const s = await startFakeServer(opts);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const msgs = (content: string) => [{ role: 'user' as const, content }];
const lastBody = (s: FakeServer, path: string) =>
  s.requests.filter((r) => r.path === path).at(-1)?.body as Record<string, any>;

describe('OpenAICompatibleProvider (LM Studio flavor)', () => {
  const lmModels = [
    { name: 'qwen2.5-7b-instruct', contextLength: 32768 },
    { name: 'gemma-3-4b' },
    { name: 'text-embedding-nomic-embed-text-v1.5', embedding: true },
  ];

  it('streams text with usage from the include_usage chunk', async () => {
    // Tokens paced as a model generates them: each arrives in a read of its own.
    const s = await server({ flavor: 'lmstudio', models: lmModels, compute: { decodeTokensPerSec: 25 } });
    const p = createProvider('lmstudio', { endpoint: `${s.url}/v1` });
    const r = await collect(p, {
      model: 'gemma-3-4b',
      messages: msgs('write release notes'),
      temperature: 0.2,
      maxTokens: 300,
      seed: 3,
    });
    expect(r.deltas).toBeGreaterThan(1);
    expect(r.done).toMatchObject({ finishReason: 'stop' });
    expect(r.done!.usage.promptTokens).toBeGreaterThan(0);
    expect(lastBody(s, '/v1/chat/completions')).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 300,
      seed: 3,
    });
  });

  it('joins the events of one network read into one delta, text unchanged', async () => {
    // A server that sends a whole answer in one write: its events arrive in one read.
    const pieces = ['{"ti', 'tle": "a', ' é', 'b"', '}'];
    const events = [
      ...pieces.map((p) => ({ choices: [{ index: 0, delta: { content: p } }] })),
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { choices: [], usage: { prompt_tokens: 7, completion_tokens: 5 } },
    ];
    const body = `${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('')}data: [DONE]\n\n`;
    const srv = createHttpServer((_req, res) => res.end(body));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (srv.address() as AddressInfo).port;
      const p = createProvider('openai-compatible', { endpoint: `http://127.0.0.1:${port}/v1` });
      const r = await collect(p, { model: 'm', messages: msgs('x') });
      expect(r).toMatchObject({ deltas: 1, text: pieces.join('') });
      expect(r.done).toMatchObject({ finishReason: 'stop', usage: { promptTokens: 7, completionTokens: 5 } });
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  it('asks for structured output with json_schema (strict), never json_object', async () => {
    const s = await server({ flavor: 'lmstudio', models: lmModels });
    const p = createProvider('lmstudio', { endpoint: `${s.url}/v1` });
    const schema = z.object({
      subtasks: z.array(z.object({ title: z.string(), estimate: z.number().int().min(1).max(5) })).min(2),
    });
    const jsonSchema = z.toJSONSchema(schema) as Record<string, unknown>;
    const r = await collect(p, { model: 'qwen2.5-7b-instruct', messages: msgs('expand task 3'), jsonSchema });
    expect(schema.safeParse(JSON.parse(r.text)).success).toBe(true);
    expect(lastBody(s, '/v1/chat/completions').response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', strict: true, schema: jsonSchema },
    });
  });

  it('lists models with type and context length from /api/v0/models', async () => {
    const s = await server({ flavor: 'lmstudio', models: lmModels });
    const models = await createProvider('lmstudio', { endpoint: `${s.url}/v1` }).listModels();
    expect(models.map((m) => [m.model, m.embedding, m.contextLength])).toEqual([
      ['qwen2.5-7b-instruct', false, 32768],
      ['gemma-3-4b', false, 4096],
      ['text-embedding-nomic-embed-text-v1.5', true, 4096],
    ]);
  });

  it('maps "No models loaded" to MODEL_NOT_FOUND with an `lms load` hint, and the string error shape', async () => {
    const s = await server({ flavor: 'lmstudio', models: [] });
    const p = createProvider('lmstudio', { endpoint: `${s.url}/v1` });
    const e = await failure(collect(p, { model: 'qwen2.5-7b-instruct', messages: msgs('hi') }));
    expect(e).toMatchObject({
      code: 'MODEL_NOT_FOUND',
      hint: "load one with `lms load qwen2.5-7b-instruct` (or in LM Studio's Developer tab)",
    });
    s.setModels(lmModels);
    s.fault({ kind: 'status', status: 400, message: 'Context length exceeded', shape: 'string' });
    const str = await failure(collect(p, { model: 'gemma-3-4b', messages: msgs('hi') }));
    expect(str).toMatchObject({ code: 'PROVIDER_ERROR', status: 400, retryable: false });
    expect(str.message).toContain('Context length exceeded');
  });
});

describe('OpenAICompatibleProvider (Ollama /v1 and LocalAI flavors)', () => {
  it('turns data:null from /v1/models into an empty list', async () => {
    const s = await server({ models: [] });
    expect(await createProvider('openai-compatible', { endpoint: `${s.url}/v1` }).listModels()).toEqual([]);
  });

  it('maps the object error shape (LocalAI 404) to MODEL_NOT_FOUND', async () => {
    const s = await server({ flavor: 'localai' });
    const p = createProvider('localai', { endpoint: `${s.url}/v1` });
    const e = await failure(collect(p, { model: 'mistral', messages: msgs('hi') }));
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).toMatchObject({ code: 'MODEL_NOT_FOUND', status: 404 });
    expect(e.message).toContain('To see available models');
    expect(e.hint).toContain('local-ai models install mistral');
  });

  it('embeds a batch in one call and restores input order by index', async () => {
    const s = await server({ shuffleEmbeddings: true, embeddingDim: 16 });
    const p = createProvider('openai-compatible', { endpoint: `${s.url}/v1` });
    const texts = ['alpha beta', 'gamma delta', 'epsilon zeta'];
    const got = await p.embed('nomic-embed-text', texts);
    const single = await Promise.all(texts.map(async (t) => (await p.embed('nomic-embed-text', [t]))[0]));
    expect(got).toEqual(single);
    expect(s.requests.filter((r) => r.path === '/v1/embeddings')[0]!.body).toMatchObject({ input: texts });
  });

  it('fails on mid-stream errors and on streams that end early; retries 5xx', async () => {
    const s = await server();
    const p = createProvider('openai-compatible', { endpoint: `${s.url}/v1` });
    s.fault({ kind: 'mid-stream-error' });
    expect(await failure(collect(p, { model: 'llama3.2', messages: msgs('hi') }))).toMatchObject({
      code: 'PROVIDER_ERROR',
    });
    s.fault({ kind: 'no-done' });
    const cut = await failure(collect(p, { model: 'llama3.2', messages: msgs('hi') }));
    expect(cut).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true });
    expect(cut.message).toMatch(/^truncated stream/);
    s.fault({ kind: 'status', status: 503 });
    expect(await failure(collect(p, { model: 'llama3.2', messages: msgs('hi') }))).toMatchObject({
      status: 503,
      retryable: true,
    });
  });

  it('honours the AbortSignal on a hang and on a stalled stream (the executor cuts its deadlines this way)', async () => {
    const s = await server();
    s.fault({ kind: 'hang' });
    const ctl = new AbortController();
    const p = createProvider('openai-compatible', { endpoint: `${s.url}/v1` });
    const pending = failure(collect(p, { model: 'llama3.2', messages: msgs('hi') }, ctl.signal));
    setTimeout(() => ctl.abort(), 30);
    expect(await pending).toMatchObject({ code: 'ABORTED' });
    s.fault({ kind: 'stall' });
    const lm = createProvider('lmstudio', { endpoint: `${s.url}/v1` });
    const idle = await failure(collect(lm, { model: 'llama3.2', messages: msgs('hi') }, AbortSignal.timeout(250)));
    expect(idle).toMatchObject({ code: 'ABORTED' });
  });

  it('reports health, and unreachable servers with a kind-specific hint', async () => {
    const s = await server({ flavor: 'lmstudio' });
    expect(await createProvider('lmstudio', { endpoint: `${s.url}/v1` }).health()).toMatchObject({ ok: true });
    const port = await closedPort();
    const h = await createProvider('lmstudio', { endpoint: `http://127.0.0.1:${port}/v1` }).health();
    expect(h).toMatchObject({
      ok: false,
      hint: 'start LM Studio and its local server (Developer tab), or run `lms server start`',
    });
    expect(h.error).toContain(`LM Studio is not reachable at http://127.0.0.1:${port}/v1`);
  });
});

describe('OpenAI and Perplexity (external, keys from env or options only)', () => {
  it('sends the key as a bearer token and never shows it in errors', async () => {
    const s = await server();
    const key = 'sk-test-secret-1234567890';
    const p = createProvider('openai', { endpoint: `${s.url}/v1`, apiKey: key });
    const r = await collect(p, { model: 'llama3.2', messages: msgs('hello') });
    expect(r.text.length).toBeGreaterThan(0);
    expect(s.requests.at(-1)!.headers.authorization).toBe(`Bearer ${key}`);
    s.fault({ kind: 'status', status: 401, message: `Incorrect API key provided: ${key}` });
    const e = await failure(collect(p, { model: 'llama3.2', messages: msgs('hello') }));
    expect(e).toMatchObject({ code: 'PROVIDER_ERROR', status: 401, hint: 'check OPENAI_API_KEY' });
    expect(JSON.stringify({ m: e.message, h: e.hint, d: e.details })).not.toContain(key);
  });

  it('reads the key from the environment and names the variable when it is missing', async () => {
    const saved = { o: process.env.OPENAI_API_KEY, p: process.env.PERPLEXITY_API_KEY };
    try {
      delete process.env.OPENAI_API_KEY;
      expect(() => createProvider('openai', { endpoint: '' })).toThrow(/OPENAI_API_KEY is not set/);
      process.env.PERPLEXITY_API_KEY = 'pplx-env-key';
      const s = await server();
      const p = createProvider('perplexity', { endpoint: `${s.url}/v1` });
      await collect(p, { model: 'llama3.2', messages: msgs('what is new in sqlite') });
      expect(s.requests.at(-1)!.headers.authorization).toBe('Bearer pplx-env-key');
      expect((await p.listModels()).map((m) => m.model)).toContain('sonar-pro');
      expect(await failure(p.embed('sonar', ['x']))).toMatchObject({ code: 'PROVIDER_ERROR' });
    } finally {
      if (saved.o === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved.o;
      if (saved.p === undefined) delete process.env.PERPLEXITY_API_KEY;
      else process.env.PERPLEXITY_API_KEY = saved.p;
    }
  });
});
