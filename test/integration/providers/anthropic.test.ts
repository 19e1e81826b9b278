import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createProvider } from '../../../src/models/providers/index.js';
import type { ModelProvider } from '../../../src/models/types.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { collect, failure } from './helpers.js';

let fake: FakeServer;
let claude: ModelProvider;
beforeAll(async () => {
  fake = await startFakeServer({ models: [{ name: 'claude-sonnet-4-5' }] });
  claude = createProvider('anthropic', { endpoint: fake.url, apiKey: 'sk-ant-test' });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const lastBody = () => fake.requests.filter((r) => r.path === '/v1/messages').at(-1)?.body as Record<string, any>;

describe('AnthropicProvider', () => {
  it('streams text with usage, sending system separately and the auth headers', async () => {
    const r = await collect(claude, {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'summarise the roadmap' },
      ],
    });
    expect(r.deltas).toBeGreaterThan(1);
    expect(r.done).toMatchObject({ finishReason: 'stop' });
    expect(r.done!.usage.completionTokens).toBeGreaterThan(0);
    expect(lastBody()).toMatchObject({
      system: 'be brief',
      max_tokens: 4096,
      stream: true,
      messages: [{ role: 'user', content: 'summarise the roadmap' }],
    });
    const headers = fake.requests.at(-1)!.headers;
    expect([headers['x-api-key'], headers['anthropic-version']]).toEqual(['sk-ant-test', '2023-06-01']);
  });

  it('gets structured output through a forced tool call, wrapping non-object roots', async () => {
    const obj = z.object({ risks: z.array(z.string()).min(1), severity: z.enum(['low', 'high']) });
    const r = await collect(claude, {
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'list risks' }],
      jsonSchema: z.toJSONSchema(obj) as Record<string, unknown>,
    });
    expect(obj.safeParse(JSON.parse(r.text)).success).toBe(true);
    expect(lastBody().tool_choice).toEqual({ type: 'tool', name: 'answer' });
    const arr = z
      .array(z.object({ id: z.number().int() }))
      .min(2)
      .max(2);
    const r2 = await collect(claude, {
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'ids' }],
      jsonSchema: z.toJSONSchema(arr) as Record<string, unknown>,
    });
    expect(arr.safeParse(JSON.parse(r2.text)).success).toBe(true);
  });

  it('lists models and reports health', async () => {
    expect((await claude.listModels()).map((m) => m.model)).toEqual(['claude-sonnet-4-5']);
    expect(await claude.health()).toMatchObject({ ok: true });
  });

  it('maps errors: unknown model, overloaded, mid-stream error, missing key, no embeddings', async () => {
    expect(
      await failure(collect(claude, { model: 'claude-nope', messages: [{ role: 'user', content: 'x' }] })),
    ).toMatchObject({ code: 'MODEL_NOT_FOUND', status: 404 });
    fake.fault({ kind: 'status', status: 529, message: 'Overloaded' });
    expect(
      await failure(collect(claude, { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }] })),
    ).toMatchObject({ retryable: true, status: 529 });
    fake.fault({ kind: 'mid-stream-error', message: 'Overloaded' });
    expect(
      await failure(collect(claude, { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }] })),
    ).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true });
    fake.fault({ kind: 'no-done' });
    expect(
      (await failure(collect(claude, { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }] })))
        .message,
    ).toMatch(/^truncated stream/);
    expect(await failure(claude.embed('claude-sonnet-4-5', ['x']))).toMatchObject({ code: 'PROVIDER_ERROR' });
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      expect(() => createProvider('anthropic', { endpoint: fake.url })).toThrow(/ANTHROPIC_API_KEY is not set/);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});
