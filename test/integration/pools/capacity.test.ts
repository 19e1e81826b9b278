import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { createProvider } from '../../../src/models/providers/index.js';
import { UnifiedModelAPI } from '../../../src/models/unified-model-api.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, startFakeServers, type FakeServer } from '../../support/fake-llm-server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function fake(o: Parameters<typeof startFakeServer>[0]): Promise<FakeServer> {
  const s = await startFakeServer(o);
  cleanups.push(() => s.close());
  return s;
}
const NOWHERE = {
  OLLAMA_HOST: 'http://127.0.0.1:9',
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
};
const signal = () => AbortSignal.timeout(2000);
/** Starts `n` streaming chat requests and resolves once the server has `n` of them (running or queued). */
async function load(s: FakeServer, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    void fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2:latest', stream: true, messages: [{ role: 'user', content: `q${i}` }] }),
    })
      .then((r) => r.text())
      .catch(() => undefined);
  for (let i = 0; i < 300; i++) {
    const f = s.inFlight();
    if (f.running + f.waiting >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the load never arrived');
}

describe('capacity discovery on each server kind (provider.capacity)', () => {
  it('llama.cpp server: total_slots from /props, busy slots from /slots', async () => {
    const s = await fake({ flavor: 'llamacpp', compute: { slots: 3, promptTimeMs: 2000 } });
    const p = createProvider('openai-compatible', { endpoint: `${s.url}/v1` });
    expect(await p.capacity!('llama3.2:latest', signal())).toEqual({
      source: 'llama.cpp /props',
      slots: 3,
      running: 0,
    });
    await load(s, 2);
    expect(await p.capacity!('llama3.2:latest', signal())).toMatchObject({ slots: 3, running: 2 });
  });

  it('vLLM: running and waiting from /metrics; the batch limit is known only while requests wait', async () => {
    const s = await fake({ flavor: 'vllm', compute: { slots: 2, promptTimeMs: 2000 } });
    const p = createProvider('openai-compatible', { endpoint: `${s.url}/v1` });
    expect(await p.capacity!('llama3.2:latest', signal())).toEqual({ source: 'vLLM /metrics', running: 0, waiting: 0 });
    await load(s, 3);
    expect(await p.capacity!('llama3.2:latest', signal())).toEqual({
      source: 'vLLM /metrics',
      running: 2,
      waiting: 1,
      slots: 2,
    });
  });

  it('LM Studio and Ollama: the loaded-model endpoints say whether the model is in memory, not how many at once', async () => {
    const lm = await fake({ flavor: 'lmstudio', loadMs: 1000, preload: ['llama3.2:latest'] });
    const lms = createProvider('lmstudio', { endpoint: `${lm.url}/v1` });
    expect(await lms.capacity!('llama3.2:latest', signal())).toEqual({
      source: 'LM Studio /api/v0/models',
      loaded: true,
    });
    expect(await lms.capacity!('nomic-embed-text:latest', signal())).toMatchObject({ loaded: false });
    const ol = await fake({ flavor: 'ollama', preload: ['llama3.2'] });
    const oll = createProvider('ollama', { endpoint: ol.url });
    expect(await oll.capacity!('llama3.2', signal())).toEqual({ source: 'Ollama /api/ps', loaded: true });
    expect(await oll.capacity!('nomic-embed-text', signal())).toEqual({ source: 'Ollama /api/ps', loaded: false });
  });

  it('a capacity endpoint that answers nonsense is an error, not a number', async () => {
    const s = await fake({ flavor: 'llamacpp' });
    s.lieCapacity({ malformed: true });
    const p = createProvider('openai-compatible', { endpoint: `${s.url}/v1` });
    await expect(p.capacity!('llama3.2:latest', signal())).rejects.toThrow(/learned from latency/);
  });
});

describe('a pool falls back to learned capacity', () => {
  function api(urls: string[]) {
    const dir = tempProject({
      '.taskmaster/config.json': JSON.stringify({
        local: { discover: [], retries: 0, servers: { openaiCompatible: [urls] } },
      }),
    });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return new UnifiedModelAPI({ config: loadConfig({ cwd: dir, env: NOWHERE }), env: NOWHERE, backoffMs: 1 });
  }
  const ask = (i: number) => ({
    type: 'GENERAL' as const,
    messages: [{ role: 'user' as const, content: `question ${i}` }],
    noCache: true,
  });

  it('a server whose /props lies (8 slots, runs one) is learned down to 1 once requests queue there', async () => {
    const c = await startFakeServers(2, { flavor: 'llamacpp', compute: { slots: 1, promptTimeMs: 150 } });
    cleanups.push(() => c.close());
    c.servers[0]!.lieCapacity({ totalSlots: 8 });
    const a = api(c.urls.map((u) => `${u}/v1`));
    // Alone first (the baseline first-token time on each member), then a burst.
    await a.generateText(ask(0));
    await a.generateText(ask(1));
    await Promise.all([2, 3, 4, 5, 6, 7].map((i) => a.generateText(ask(i))));
    const [liar, honest] = a.poolStatus()[0]!.members;
    expect(honest).toMatchObject({ capacity: 1, source: 'server' });
    // Learned from the first queued request: 1 when it was the second in flight (timing noise on a
    // busy machine can hide that one; the third is always late enough).
    expect(liar).toMatchObject({ source: 'learned' });
    expect(liar!.capacity).toBeLessThanOrEqual(2);
    expect(liar!.detail).toMatch(/^the server said 8; requests queued with [23] in flight; learned [12]$/);
  });

  it('a capacity endpoint that errors: the member is learned, the pool keeps serving', async () => {
    const c = await startFakeServers(2, { flavor: 'llamacpp', compute: { slots: 1, promptTimeMs: 20 } });
    cleanups.push(() => c.close());
    c.servers[1]!.lieCapacity({ malformed: true });
    const a = api(c.urls.map((u) => `${u}/v1`));
    await Promise.all([0, 1, 2, 3].map((i) => a.generateText(ask(i))));
    const [ok, broken] = a.poolStatus()[0]!.members;
    expect(ok).toMatchObject({ source: 'server', capacity: 1 });
    expect(broken).toMatchObject({ source: 'learned', served: expect.any(Number) });
    expect(broken!.detail).toMatch(/^capacity endpoint failed \(.*\); (learned from latency|no queueing seen .*)$/);
    expect(broken!.served).toBeGreaterThan(0);
  });
});
