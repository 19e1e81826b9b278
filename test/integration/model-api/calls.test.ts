import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ModelConfigFactory } from '../../../src/models/config-factory.js';
import { MetricsRepo } from '../../../src/storage/metrics-repo.js';
import { chatRequests, rig, TWO_CHAT_MODELS, type Rig } from './setup.js';

const Plan = z.object({ title: z.string().min(1), steps: z.array(z.string()).min(1) });
const ask = (content: string) => [{ role: 'user' as const, content }];
let r: Rig | undefined;
afterEach(async () => {
  await r?.done();
  r = undefined;
});

describe('UnifiedModelAPI against the fake Ollama', () => {
  it('answers a structured request with a validated object and writes one metrics row', async () => {
    r = await rig({ open: { runId: 'run-1' } });
    const a = await r.project
      .api()
      .generateObject(
        { type: 'PLANNING', messages: ask('plan the garden'), promptId: 'plan@v1', component: 'test' },
        Plan,
      );
    expect(Plan.parse(a.value)).toEqual(a.value);
    expect(a.model.model).toBe('llama3.2:latest');
    expect(a.cached).toBe(false);
    expect(a.attempts).toEqual([expect.objectContaining({ ok: true, kind: 'first', model: 'llama3.2:latest' })]);
    const body = chatRequests(r.server)[0]!.body as { format: { type: string }; options: { num_ctx: number } };
    expect(body.format.type).toBe('object');
    expect(body.options.num_ctx).toBe(8192); // discovered context length, capped
    const rows = new MetricsRepo(r.project.db()).list();
    expect(rows).toEqual([
      expect.objectContaining({
        component: 'test',
        operation: 'object',
        provider: 'ollama',
        host: '127.0.0.1',
        local: true,
        model: 'llama3.2:latest',
        taskType: 'PLANNING',
        promptId: 'plan@v1',
        cached: false,
        ok: true,
        runId: 'run-1',
      }),
    ]);
    expect(rows[0]!.promptTokens).toBeGreaterThan(0);
    expect(r.calls).toHaveLength(1);
    expect(r.routes[0]).toMatchObject({ task: 'PLANNING', chosen: 'local-llama3.2' });
  });

  it('a strict request for a given model lists no servers; a routed one does', async () => {
    r = await rig();
    const api = r.project.api();
    const ref = ModelConfigFactory.createOllamaConfig('llama3.2:latest', { endpoint: r.server.url, alias: 'pinned' });
    const listed = () => r!.server.requests.filter((q) => q.path === '/api/tags' || q.path === '/v1/models').length;
    const a = await api.generateText({ type: 'GENERAL', messages: ask('strict'), model: ref, strictModel: true });
    expect(a.model.alias).toBe('pinned');
    expect(chatRequests(r.server)).toHaveLength(1);
    expect(listed()).toBe(0);
    await api.generateText({ type: 'GENERAL', messages: ask('routed'), model: ref });
    expect(listed()).toBeGreaterThan(0);
  });

  it('keeps num_ctx constant across calls to the same model', async () => {
    r = await rig();
    const api = r.project.api();
    await api.generateText({ type: 'GENERAL', messages: ask('one') });
    await api.generateText({ type: 'GENERAL', messages: ask('two') });
    const ctx = chatRequests(r.server).map((q) => (q.body as { options: { num_ctx?: number } }).options.num_ctx);
    expect(ctx).toEqual([8192, 8192]);
  });

  it('re-asks once with the validation errors after a schema-breaking answer', async () => {
    r = await rig();
    r.server.fault({ kind: 'schema-break' });
    const a = await r.project.api().generateObject({ type: 'PLANNING', messages: ask('plan the garden') }, Plan);
    expect(Plan.safeParse(a.value).success).toBe(true);
    expect(a.attempts.map((x) => [x.kind, x.ok, x.errorCode])).toEqual([
      ['first', false, 'MODEL_OUTPUT_INVALID'],
      ['reask', true, undefined],
    ]);
    const second = chatRequests(r.server)[1]!.body as { messages: { role: string; content: string }[] };
    expect(second.messages.at(-2)!.role).toBe('assistant');
    expect(second.messages.at(-1)!.content).toContain('did not match the required JSON schema');
    expect(r.failures).toEqual([expect.objectContaining({ recoveredBy: 'reask', model: 'llama3.2:latest' })]);
    const rows = new MetricsRepo(r.project.db()).list();
    expect(rows.map((x) => [x.ok, x.errorCode ?? null])).toEqual([
      [false, 'MODEL_OUTPUT_INVALID'],
      [true, null],
    ]);
  });

  it('falls back to the next model when an answer and its re-ask both break the schema', async () => {
    r = await rig({
      server: { models: TWO_CHAT_MODELS },
      config: {
        models: {
          main: { provider: 'ollama', modelId: 'llama3.2' },
          fallback: { provider: 'ollama', modelId: 'qwen2.5:7b' },
        },
      },
    });
    r.server.fault({ kind: 'schema-break', times: 2, model: 'llama3.2' });
    const a = await r.project.api().generateObject({ type: 'PLANNING', messages: ask('plan') }, Plan);
    expect(a.model.model).toBe('qwen2.5:7b');
    expect(a.attempts.map((x) => x.kind)).toEqual(['first', 'reask', 'fallback']);
    expect(r.failures.map((f) => f.recoveredBy)).toEqual(['fallback', 'fallback']);
  });

  it('retries a 500 with backoff, then falls back when retries are spent', async () => {
    r = await rig({
      server: { models: TWO_CHAT_MODELS },
      local: { retries: 2 },
      config: {
        models: {
          main: { provider: 'ollama', modelId: 'llama3.2:latest' },
          fallback: { provider: 'ollama', modelId: 'qwen2.5:7b' },
        },
      },
    });
    r.server.fault({ kind: 'status', status: 500, times: 3, model: 'llama3.2' });
    const a = await r.project.api().generateText({ type: 'GENERAL', messages: ask('hello') });
    expect(a.model.model).toBe('qwen2.5:7b');
    expect(a.attempts.map((x) => [x.kind, x.ok])).toEqual([
      ['first', false],
      ['retry', false],
      ['retry', false],
      ['fallback', true],
    ]);
    expect(r.failures).toHaveLength(3);
    expect(new MetricsRepo(r.project.db()).list().map((x) => x.ok)).toEqual([false, false, false, true]);
  });

  it('a retry that succeeds is reported as recovered by retry', async () => {
    r = await rig({ local: { retries: 1 } });
    r.server.fault({ kind: 'status', status: 503 });
    const a = await r.project.api().generateText({ type: 'GENERAL', messages: ask('hello') });
    expect(a.attempts.map((x) => x.kind)).toEqual(['first', 'retry']);
    expect(r.failures).toEqual([expect.objectContaining({ recoveredBy: 'retry' })]);
  });

  it('falls back after a hang hits the request timeout', async () => {
    r = await rig({
      server: { models: TWO_CHAT_MODELS },
      local: { timeouts: { requestMs: 400, idleMs: 400, probeMs: 1500 } },
      config: {
        models: {
          main: { provider: 'ollama', modelId: 'llama3.2' },
          fallback: { provider: 'ollama', modelId: 'qwen2.5:7b' },
        },
      },
    });
    r.server.fault({ kind: 'hang', model: 'llama3.2' });
    const a = await r.project.api().generateText({ type: 'GENERAL', messages: ask('hello') });
    expect(a.model.model).toBe('qwen2.5:7b');
    expect(a.attempts[0]).toMatchObject({ ok: false, errorCode: 'TIMEOUT' });
  });

  it('a stream that goes silent fails on the idle timeout and falls back', async () => {
    r = await rig({
      server: { models: TWO_CHAT_MODELS },
      local: { timeouts: { requestMs: 60_000, idleMs: 300, probeMs: 1500 } },
    });
    r.server.fault({ kind: 'stall', model: 'llama3.2' });
    const a = await r.project.api().generateText({ type: 'GENERAL', messages: ask('hello') });
    expect(a.attempts.map((x) => [x.model, x.errorCode])).toEqual([
      ['llama3.2:latest', 'TIMEOUT'],
      ['qwen2.5:7b', undefined],
    ]);
  });

  it('mid-stream errors and streams without a final chunk are retried on the same model', async () => {
    r = await rig({ local: { retries: 2 } });
    r.server.fault({ kind: 'mid-stream-error' });
    r.server.fault({ kind: 'no-done' });
    const a = await r.project.api().generateText({ type: 'GENERAL', messages: ask('hello') });
    expect(a.attempts.map((x) => [x.kind, x.ok])).toEqual([
      ['first', false],
      ['retry', false],
      ['retry', true],
    ]);
    expect(r.failures.map((f) => f.recoveredBy)).toEqual(['retry', 'retry']);
  });

  it('throws MODEL_OUTPUT_INVALID with the last validation error when every model fails validation', async () => {
    r = await rig();
    r.server.fault({ kind: 'schema-break', times: 10 });
    const p = r.project.api().generateObject({ type: 'PLANNING', messages: ask('plan') }, Plan);
    await expect(p).rejects.toMatchObject({ code: 'MODEL_OUTPUT_INVALID' });
    await expect(p).rejects.toThrow(/title|steps|Invalid|expected/);
    expect(chatRequests(r.server)).toHaveLength(2); // first + one re-ask on the only chat model
  });

  it('treats a truncated answer as invalid', async () => {
    r = await rig();
    r.server.fault({ kind: 'truncated', times: 2 });
    await expect(
      r.project.api().generateObject({ type: 'PLANNING', messages: ask('plan') }, Plan),
    ).rejects.toMatchObject({ code: 'MODEL_OUTPUT_INVALID' });
  });

  it('hooks that throw never break a call', async () => {
    r = await rig({
      open: {
        hooks: [
          {
            onCall: () => {
              throw new Error('observer bug');
            },
            onRoute: () => {
              throw new Error('x');
            },
          },
        ],
      },
    });
    const a = await r.project.api().generateText({ type: 'GENERAL', messages: ask('hi') });
    expect(a.value.length).toBeGreaterThan(0);
  });
});
