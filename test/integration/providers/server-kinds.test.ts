import { afterEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../../src/models/providers/index.js';
import type { ModelProvider } from '../../../src/models/types.js';
import { startFakeServer, type FakeServer, type FakeServerOptions } from '../../support/fake-llm-server.js';
import { collect } from './helpers.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function server(o: FakeServerOptions): Promise<FakeServer> {
  const s = await startFakeServer(o);
  servers.push(s);
  return s;
}

const SYSTEM = `You are a planner. ${'Keep every answer short and exact. '.repeat(20)}`;
const msgs = (q: string) => [
  { role: 'system' as const, content: SYSTEM },
  { role: 'user' as const, content: q },
];

describe('token counts as each server kind reports them (cached prompt tokens included)', () => {
  const second = async (p: ModelProvider) => {
    await collect(p, { model: 'llama3.2', messages: msgs('first question about gardens') });
    return (await collect(p, { model: 'llama3.2', messages: msgs('second question about roads') })).done!.usage;
  };

  it('llama.cpp server: prompt_tokens_details / timings.cache_n give the reused prefix', async () => {
    const s = await server({
      flavor: 'llamacpp',
      models: [{ name: 'llama3.2' }],
      compute: { slots: 1, cache: 'slot' },
    });
    const u = await second(createProvider('openai-compatible', { endpoint: `${s.url}/v1` }));
    const rec = s.tokens().records.at(-1)!;
    expect(u.cachedPromptTokens).toBe(rec.cachedTokens);
    expect(u.cachedPromptTokens).toBeGreaterThan(0);
    expect(u.promptTokens).toBe(rec.promptTokens); // the whole prompt, cached part included
  });

  it('vLLM: usage.prompt_tokens_details.cached_tokens', async () => {
    const s = await server({ flavor: 'vllm', models: [{ name: 'llama3.2' }], compute: { slots: 4, cache: 'global' } });
    const u = await second(createProvider('openai-compatible', { endpoint: `${s.url}/v1` }));
    const rec = s.tokens().records.at(-1)!;
    expect(u.cachedPromptTokens).toBe(rec.cachedTokens);
    expect(u.cachedPromptTokens).toBeGreaterThan(0);
    expect(u.promptTokens).toBe(rec.promptTokens);
  });

  it('Ollama: prompt_eval_count as the server counts it, no cached figure (it reports none)', async () => {
    const s = await server({
      flavor: 'ollama',
      models: [{ name: 'llama3.2:latest' }],
      compute: { slots: 1, cache: 'slot' },
    });
    const u = await second(createProvider('ollama', { endpoint: s.url }));
    expect(u.cachedPromptTokens).toBeUndefined();
    expect(u.promptTokens).toBe(s.tokens().records.at(-1)!.evaluatedTokens);
  });
});

describe('load state: what each server says about loads in progress', () => {
  it('Ollama lists a loading runner in /api/ps with a moving expiry (or the zero time on older versions)', async () => {
    for (const loadingExpiry of ['session', 'zero'] as const) {
      const s = await server({ models: [{ name: 'llama3.2:latest' }], loadingExpiry });
      const p = createProvider('ollama', { endpoint: s.url, keepAlive: '10m' });
      expect(await p.loadState!()).toEqual({ loaded: [], loading: [] });
      s.fault({ kind: 'slow-load', ms: 800 });
      const answer = collect(p, { model: 'llama3.2', messages: msgs('hi') });
      await new Promise((r) => setTimeout(r, 200));
      expect(await p.loadState!(), loadingExpiry).toEqual({
        loaded: ['llama3.2:latest'],
        loading: ['llama3.2:latest'],
      });
      await answer;
      if (loadingExpiry === 'zero') continue;
      // Idle now: its expiry stays fixed while the clock moves past the tolerance of the check.
      await new Promise((r) => setTimeout(r, 1800));
      expect(await p.loadState!(), loadingExpiry).toEqual({ loaded: ['llama3.2:latest'], loading: [] });
    }
  });

  it('llama.cpp server: 503 "Loading model" while loading, then busy slots from /slots', async () => {
    const s = await server({ flavor: 'llamacpp', models: [{ name: 'llama3.2' }], loadMs: 700, compute: { slots: 2 } });
    const p = createProvider('openai-compatible', { endpoint: `${s.url}/v1` });
    expect(await p.loadState!()).toMatchObject({ loading: ['*'] });
    // A chat during the load is the same 503, mapped to a retryable "still loading" error.
    const e = await collect(p, { model: 'llama3.2', messages: msgs('hi') }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true, details: { loading: true } });
    await new Promise((r) => setTimeout(r, 800));
    expect(await p.loadState!()).toEqual({ loaded: [], loading: [], busy: 0 });
  });

  it('vLLM: running + waiting requests from /metrics', async () => {
    const s = await server({ flavor: 'vllm', models: [{ name: 'llama3.2' }], compute: { slots: 4 } });
    const p = createProvider('openai-compatible', { endpoint: `${s.url}/v1` });
    expect(await p.loadState!()).toEqual({ loaded: [], loading: [], busy: 0 });
    s.lieCapacity({ running: 3, waiting: 2 });
    expect(await p.loadState!()).toEqual({ loaded: [], loading: [], busy: 5 });
  });

  it('LM Studio: loaded models from /api/v0/models', async () => {
    const s = await server({
      flavor: 'lmstudio',
      models: [{ name: 'qwen2.5-7b-instruct' }],
      preload: ['qwen2.5-7b-instruct'],
    });
    const p = createProvider('lmstudio', { endpoint: `${s.url}/v1` });
    expect(await p.loadState!()).toMatchObject({ loaded: ['qwen2.5-7b-instruct'], loading: [] });
  });
});

describe('Ollama preload and pull through the provider', () => {
  it('loads a chat model with an empty generate and an embedding-only model with a one-character embed', async () => {
    const s = await server({
      models: [{ name: 'llama3.2:latest' }, { name: 'nomic-embed-text:latest', embedding: true }],
    });
    const p = createProvider('ollama', { endpoint: s.url, keepAlive: '10m' });
    await p.preload!('llama3.2');
    await p.preload!('nomic-embed-text');
    const loads = s.requests.filter((q) => q.path === '/api/generate' || q.path === '/api/embed');
    expect(
      loads.map((q) => [q.path, (q.body as { model: string }).model, (q.body as { keep_alive?: string }).keep_alive]),
    ).toEqual([
      ['/api/generate', 'llama3.2', '10m'],
      ['/api/embed', 'nomic-embed-text', '10m'],
    ]);
    expect((await p.loadState!()).loaded.sort()).toEqual(['llama3.2:latest', 'nomic-embed-text:latest']);
  });
});

describe('vLLM structured output', () => {
  const schema = {
    type: 'object',
    properties: { title: { type: 'string' } },
    required: ['title'],
    additionalProperties: false,
  };
  const ask = { model: 'llama3.2', messages: msgs('name one task'), jsonSchema: schema };
  const sent = (s: FakeServer) =>
    s.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body as Record<string, unknown>);

  it('current vLLM takes response_format json_schema', async () => {
    const s = await server({ flavor: 'vllm', models: [{ name: 'llama3.2' }] });
    const out = await collect(createProvider('openai-compatible', { endpoint: `${s.url}/v1` }), ask);
    expect(JSON.parse(out.text)).toHaveProperty('title');
    expect(sent(s).map((b) => [b.response_format !== undefined, b.guided_json !== undefined])).toEqual([[true, false]]);
  });

  it('vLLM before 0.6 refuses json_schema (its 400 body); the provider asks in guided_json form, then keeps to it', async () => {
    const s = await server({ flavor: 'vllm', version: '0.5.5', models: [{ name: 'llama3.2' }] });
    const p = createProvider('openai-compatible', { endpoint: `${s.url}/v1` });
    expect(JSON.parse((await collect(p, ask)).text)).toHaveProperty('title');
    expect(JSON.parse((await collect(p, ask)).text)).toHaveProperty('title');
    expect(sent(s).map((b) => [b.response_format !== undefined, b.guided_json !== undefined])).toEqual([
      [true, false],
      [false, true],
      [false, true],
    ]);
  });
});
