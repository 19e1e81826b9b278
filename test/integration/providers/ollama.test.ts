import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ProviderError } from '../../../src/errors.js';
import { createProvider } from '../../../src/models/providers/index.js';
import type { ModelProvider } from '../../../src/models/types.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { closedPort, collect, failure } from './helpers.js';

let fake: FakeServer;
let ollama: ModelProvider;
beforeAll(async () => {
  fake = await startFakeServer();
  ollama = createProvider('ollama', { endpoint: fake.url, keepAlive: '10m' });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const msgs = (content: string) => [{ role: 'user' as const, content }];
const lastBody = (path: string) => fake.requests.filter((r) => r.path === path).at(-1)?.body as Record<string, any>;

describe('OllamaProvider', () => {
  it('streams text with usage from the final chunk', async () => {
    // Tokens paced as a model generates them: each arrives in a read of its own.
    const paced = await startFakeServer({ compute: { decodeTokensPerSec: 25 } });
    try {
      const p = createProvider('ollama', { endpoint: paced.url });
      const r = await collect(p, { model: 'llama3.2', messages: msgs('describe the release plan') });
      expect(r.deltas).toBeGreaterThan(1);
      expect(r.text).toMatch(/\.$/);
      expect(r.done).toMatchObject({ type: 'done', finishReason: 'stop' });
    } finally {
      await paced.close();
    }
  });

  it('joins the frames of one network read into one delta, text unchanged', async () => {
    // A server that sends a whole answer in one write: its frames arrive in one read.
    const pieces = ['{"ti', 'tle": "a', ' é', 'b"', '}'];
    const body = [
      ...pieces.map((p) => JSON.stringify({ model: 'm', message: { role: 'assistant', content: p }, done: false })),
      JSON.stringify({ model: 'm', message: { content: '' }, done: true, done_reason: 'stop', eval_count: 5 }),
    ].join('\n');
    const srv = createHttpServer((_req, res) => res.end(`${body}\n`));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const p = createProvider('ollama', { endpoint: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` });
      const r = await collect(p, { model: 'm', messages: msgs('x') });
      expect(r).toMatchObject({ deltas: 1, text: pieces.join('') });
      expect(r.done).toMatchObject({ finishReason: 'stop', usage: { completionTokens: 5 } });
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  it('reports usage from the final chunk', async () => {
    const r = await collect(ollama, { model: 'llama3.2', messages: msgs('describe the release plan') });
    expect(r.text).toMatch(/\.$/);
    expect(r.done).toMatchObject({ type: 'done', finishReason: 'stop' });
    expect(r.done!.usage.promptTokens).toBeGreaterThan(0);
    expect(r.done!.usage.completionTokens).toBeGreaterThan(0);
    expect(lastBody('/api/chat')).toMatchObject({ stream: true, keep_alive: '10m' });
  });

  it('sends the JSON Schema as format, with num_ctx, temperature, seed and num_predict in options', async () => {
    const schema = z.object({
      tasks: z.array(z.object({ title: z.string(), priority: z.enum(['high', 'low']) })).min(1),
    });
    const jsonSchema = z.toJSONSchema(schema) as Record<string, unknown>;
    const r = await collect(ollama, {
      model: 'llama3.2',
      messages: msgs('split the PRD'),
      jsonSchema,
      contextLength: 8192,
      temperature: 0,
      seed: 7,
      maxTokens: 512,
    });
    expect(schema.safeParse(JSON.parse(r.text)).success).toBe(true);
    const body = lastBody('/api/chat');
    expect(body.format).toEqual(jsonSchema);
    expect(body.options).toEqual({ num_ctx: 8192, temperature: 0, seed: 7, num_predict: 512 });
  });

  it('reads the context length from /api/show once per model', async () => {
    expect(await ollama.contextLength!('llama3.2')).toBe(8192);
    expect(await ollama.contextLength!('llama3.2')).toBe(8192);
    expect(fake.counts()['/api/show']).toBe(1);
  });

  it('lists models with context length, capabilities and the embedding flag', async () => {
    const models = await ollama.listModels();
    expect(models.map((m) => [m.model, m.contextLength, m.embedding])).toEqual([
      ['llama3.2:latest', 8192, false],
      ['nomic-embed-text:latest', 2048, true],
    ]);
    expect(models[0]).toMatchObject({
      provider: 'ollama',
      endpoint: fake.url,
      family: 'llama',
      quantization: 'Q4_K_M',
      capabilities: ['completion', 'tools'],
    });
  });

  it('embeds a batch in one /api/embed call', async () => {
    const v = await ollama.embed('nomic-embed-text', ['one', 'two', 'three']);
    expect(v.map((x) => x.length)).toEqual([384, 384, 384]);
    expect(fake.counts()['/api/embed']).toBe(1);
    expect(lastBody('/api/embed').input).toEqual(['one', 'two', 'three']);
    expect(await ollama.embed('nomic-embed-text', [])).toEqual([]);
  });

  it('reports health with version and latency, and a hint when down', async () => {
    expect(await ollama.health()).toMatchObject({ ok: true, version: '0.12.6', endpoint: fake.url });
    const down = createProvider('ollama', { endpoint: `http://127.0.0.1:${await closedPort()}` });
    const h = await down.health();
    expect(h.ok).toBe(false);
    expect(h.error).toMatch(/^Ollama is not reachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
    expect(h.hint).toBe('start it with `ollama serve`');
  });
});

describe('OllamaProvider error mapping', () => {
  it('unreachable server → PROVIDER_UNREACHABLE with the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const e = await failure(
      collect(createProvider('ollama', { endpoint: url }), { model: 'llama3.2', messages: msgs('hi') }),
    );
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).toMatchObject({ code: 'PROVIDER_UNREACHABLE', retryable: false, hint: 'start it with `ollama serve`' });
    expect(e.message).toContain(url);
  });

  it('404 → MODEL_NOT_FOUND with an `ollama pull` hint', async () => {
    const e = await failure(collect(ollama, { model: 'mistral', messages: msgs('hi') }));
    expect(e).toMatchObject({ code: 'MODEL_NOT_FOUND', status: 404, hint: 'run `ollama pull mistral`' });
    expect(await failure(ollama.embed('mistral', ['x']))).toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(await failure(ollama.contextLength!('mistral'))).toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });

  it('503 busy and 500 are retryable; out-of-memory is not and says what to do', async () => {
    fake.fault({ kind: 'status', status: 503 });
    expect(await failure(collect(ollama, { model: 'llama3.2', messages: msgs('hi') }))).toMatchObject({
      code: 'PROVIDER_ERROR',
      status: 503,
      retryable: true,
    });
    fake.fault({
      kind: 'status',
      status: 500,
      message: 'model requires more system memory (12.0 GiB) than is available (7.5 GiB)',
    });
    const oom = await failure(collect(ollama, { model: 'llama3.2', messages: msgs('hi') }));
    expect(oom).toMatchObject({ code: 'PROVIDER_ERROR', retryable: false });
    expect(oom.message).toContain('requires more system memory');
    expect(oom.hint).toMatch(/smaller model/);
  });

  it('mid-stream error, a stream without done, and a dropped socket are retryable ProviderErrors', async () => {
    fake.fault({ kind: 'mid-stream-error', message: 'an error was encountered while running the model: CUDA error' });
    const mid = await failure(collect(ollama, { model: 'llama3.2', messages: msgs('hi') }));
    expect(mid).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true });
    expect(mid.message).toContain('CUDA error');
    fake.fault({ kind: 'no-done' });
    const cut = await failure(collect(ollama, { model: 'llama3.2', messages: msgs('hi') }));
    expect(cut).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true });
    expect(cut.message).toMatch(/^truncated stream/);
    fake.fault({ kind: 'drop' });
    expect(await failure(collect(ollama, { model: 'llama3.2', messages: msgs('hi') }))).toMatchObject({
      code: 'PROVIDER_ERROR',
      retryable: true,
    });
  });

  it('honours the AbortSignal on a hang and on a stalled stream (the executor cuts its deadlines this way)', async () => {
    fake.fault({ kind: 'hang' });
    const ctl = new AbortController();
    const pending = failure(collect(ollama, { model: 'llama3.2', messages: msgs('hi') }, ctl.signal));
    setTimeout(() => ctl.abort(), 30);
    expect(await pending).toMatchObject({ code: 'ABORTED' });

    fake.fault({ kind: 'stall' });
    const seen: string[] = [];
    const e = await failure(
      (async () => {
        for await (const c of ollama.chat({ model: 'llama3.2', messages: msgs('hi') }, AbortSignal.timeout(250)))
          if (c.type === 'delta') seen.push(c.text);
      })(),
    );
    expect(e).toMatchObject({ code: 'ABORTED' });
    expect(seen.length).toBeLessThanOrEqual(2); // the stall fault goes silent after two pieces
  });

  it('keeps the client quiet: non-JSON error bodies and corrupt stream lines raise errors, not console output', async () => {
    const spies = [
      vi.spyOn(console, 'log'),
      vi.spyOn(console, 'warn'),
      vi.spyOn(console, 'error'),
      vi.spyOn(process.stdout, 'write'),
    ];
    try {
      fake.fault({ kind: 'status', status: 502, message: '<html>Bad Gateway</html>', shape: 'text' });
      const proxy = await failure(collect(ollama, { model: 'llama3.2', messages: msgs('hi') }));
      expect(proxy).toMatchObject({ code: 'PROVIDER_ERROR', status: 502, retryable: true });
      expect(proxy.message).toContain('Bad Gateway');
      // A transport that corrupts one NDJSON line of a real answer.
      const corrupting: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        const text = (await res.text()).replace('\n', '\nthis is not json\n');
        return new Response(text, { status: res.status, headers: res.headers });
      };
      const p = createProvider('ollama', { endpoint: fake.url, fetch: corrupting });
      const bad = await failure(collect(p, { model: 'llama3.2', messages: msgs('hi') }));
      expect(bad).toMatchObject({ code: 'PROVIDER_ERROR' });
      expect(bad.message).toContain('not JSON');
      for (const s of spies) expect(s).not.toHaveBeenCalled();
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});
