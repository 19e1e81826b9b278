import { createServer as createHttpServer, request } from 'node:http';
import { createServer as createNetServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRepo } from '../../../src/storage/metrics-repo.js';
import { UnifiedModelAPI } from '../../../src/models/unified-model-api.js';
import { openProject } from '../../../src/application/project.js';
import { chatRequests, rig, type Rig } from './setup.js';

const ask = (content: string) => [{ role: 'user' as const, content }];
let r: Rig | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await r?.done();
  r = undefined;
  for (const c of cleanups.splice(0)) await c();
});

/** Waits (by polling, no timing assertion) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((res) => setTimeout(res, 10));
  if (!cond()) throw new Error('condition never held');
}

describe('cache', () => {
  it('a repeated question is answered from SQLite with zero provider requests', async () => {
    r = await rig();
    const api = r.project.api();
    const first = await api.generateText({ type: 'GENERAL', messages: ask('same question') });
    const before = r.server.requests.length;
    const again = await api.generateText({ type: 'GENERAL', messages: ask('same question') });
    expect(again.cached).toBe(true);
    expect(again.value).toBe(first.value);
    expect(r.server.requests.length).toBe(before);
    const rows = new MetricsRepo(r.project.db()).list();
    expect(rows.map((x) => x.cached)).toEqual([false, true]);
  });

  it('noCache bypasses the read but refreshes the entry', async () => {
    r = await rig();
    const api = r.project.api();
    await api.generateText({ type: 'GENERAL', messages: ask('q') });
    r.server.enqueue({ content: 'fresh answer' });
    const b = await api.generateText({ type: 'GENERAL', messages: ask('q'), noCache: true });
    expect(b).toMatchObject({ cached: false, value: 'fresh answer' });
    const c = await api.generateText({ type: 'GENERAL', messages: ask('q') });
    expect(c).toMatchObject({ cached: true, value: 'fresh answer' });
  });

  it('local.cache=false never reads the cache', async () => {
    r = await rig({ local: { cache: false } });
    const api = r.project.api();
    await api.generateText({ type: 'GENERAL', messages: ask('q') });
    await api.generateText({ type: 'GENERAL', messages: ask('q') });
    expect(chatRequests(r.server)).toHaveLength(2);
  });

  it('an invalid answer is never cached', async () => {
    r = await rig();
    r.server.enqueue({ content: '   ' });
    await expect(
      r.project.api().generateText({ type: 'GENERAL', messages: ask('q'), strictModel: true, model: 'llama3.2' }),
    ).rejects.toMatchObject({ code: 'MODEL_OUTPUT_INVALID' });
    const again = await r.project.api().generateText({ type: 'GENERAL', messages: ask('q') });
    expect(again.cached).toBe(false);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, so later calls make no request', async () => {
    r = await rig();
    const api = new UnifiedModelAPI({
      config: r.project.config,
      db: r.project.db(),
      breaker: { threshold: 2, cooldownMs: 60_000 },
      backoffMs: 1,
    });
    r.server.fault({ kind: 'status', status: 500, times: 100 });
    for (const q of ['a', 'b'])
      await expect(api.generateText({ type: 'GENERAL', messages: ask(q) })).rejects.toMatchObject({
        code: 'PROVIDER_ERROR',
      });
    const before = chatRequests(r.server).length;
    const e = await api.generateText({ type: 'GENERAL', messages: ask('c') }).catch((x: unknown) => x);
    expect(chatRequests(r.server).length).toBe(before);
    expect(e).toMatchObject({
      code: 'NO_MODEL_AVAILABLE',
      details: { attempts: [expect.objectContaining({ errorCode: 'CIRCUIT_OPEN' })] },
    });
  });
});

describe('concurrency and cancellation', () => {
  it('never has more requests in flight to one endpoint than local.concurrency', async () => {
    r = await rig({ server: { latencyMs: 30 }, local: { concurrency: 2 } });
    // A counting proxy in front of the fake server sees exactly what the client sends.
    let inFlight = 0;
    let peak = 0;
    const target = new URL(r.server.url);
    const proxy = createHttpServer((req, res) => {
      const isChat = req.url === '/api/chat';
      if (isChat) peak = Math.max(peak, ++inFlight);
      const up = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (ur) => {
          res.writeHead(ur.statusCode ?? 500, ur.headers);
          ur.pipe(res);
          ur.on('end', () => isChat && inFlight--);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((res) => proxy.listen(0, '127.0.0.1', res));
    cleanups.push(() => new Promise<void>((res) => proxy.close(() => res())));
    const port = (proxy.address() as { port: number }).port;
    const p = openProject({ cwd: r.dir, env: { OLLAMA_HOST: `http://127.0.0.1:${port}` } });
    cleanups.push(() => p.close());
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => p.api().generateText({ type: 'GENERAL', messages: ask(`q${i}`) })),
    );
    expect(answers).toHaveLength(6);
    expect(peak).toBe(2);
  });

  it('abort cancels an in-flight call at once and a queued one before it is sent', async () => {
    r = await rig({ local: { concurrency: 1 } });
    r.server.fault({ kind: 'hang' });
    const api = r.project.api();
    const ac1 = new AbortController();
    const ac2 = new AbortController();
    const inflight = api.generateText({ type: 'GENERAL', messages: ask('first'), signal: ac1.signal });
    await until(() => chatRequests(r!.server).length === 1);
    const queued = api.generateText({ type: 'GENERAL', messages: ask('second'), signal: ac2.signal });
    await new Promise((res) => setTimeout(res, 20));
    ac2.abort();
    await expect(queued).rejects.toMatchObject({ code: 'ABORTED' });
    ac1.abort();
    await expect(inflight).rejects.toMatchObject({ code: 'ABORTED' });
    expect(chatRequests(r.server)).toHaveLength(1);
    // the slot is free again afterwards
    const ok = await api.generateText({ type: 'GENERAL', messages: ask('third') });
    expect(ok.value.length).toBeGreaterThan(0);
  });
});

describe('privacy guard', () => {
  it('in LOCAL_ONLY an external model is refused before any socket opens', async () => {
    let connections = 0;
    const trap: Server = createNetServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((res) => trap.listen(0, '127.0.0.1', res));
    cleanups.push(() => new Promise<void>((res) => trap.close(() => res())));
    const port = (trap.address() as { port: number }).port;
    r = await rig({
      env: { TASKMASTER_LOCAL_LLM: 'true', OPENAI_API_KEY: 'sk-test' },
      // Test seam: a ref whose host is forced non-local, pointing at a socket that must stay silent.
      open: {
        extraRefs: [
          {
            alias: 'ext-gpt',
            provider: 'openai',
            model: 'gpt-4o',
            endpoint: `http://127.0.0.1:${port}/v1`,
            capabilities: ['GENERAL'],
            local: false,
          },
        ],
      },
    });
    const api = r.project.api();
    const e = await api
      .generateText({ type: 'GENERAL', messages: ask('secret'), model: 'ext-gpt' })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'PRIVACY_REFUSED' });
    expect((e as Error).message).toContain('env TASKMASTER_LOCAL_LLM=true');
    await expect(api.embed(['secret'], { model: 'ext-gpt' })).rejects.toMatchObject({ code: 'PRIVACY_REFUSED' });
    // routing never picks it either: the local model answers
    const a = await api.generateText({ type: 'GENERAL', messages: ask('hello') });
    expect(a.model.local).toBe(true);
    expect(connections).toBe(0);
  });

  it('roles on external providers are skipped in LOCAL_ONLY, with the reason', async () => {
    r = await rig({ config: { models: { main: { provider: 'anthropic', modelId: 'claude-sonnet-4-20250514' } } } });
    const roles = await r.project.catalog().effectiveRoles();
    expect(roles.main).toMatchObject({ source: 'default', ref: { model: 'llama3.2:latest' } });
    expect(roles.main.skipped).toMatch(/external; mode LOCAL_ONLY \(set by default\)/);
  });
});
