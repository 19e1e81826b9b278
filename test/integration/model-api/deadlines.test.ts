import { afterEach, describe, expect, it } from 'vitest';
import { chatRequests, rig, type Rig } from './setup.js';

const ask = (content: string) => [{ role: 'user' as const, content }];
const THREE_CHAT_MODELS = [
  { name: 'llama3.2:latest', contextLength: 8192, family: 'llama' },
  { name: 'qwen2.5:7b', contextLength: 8192, family: 'qwen2' },
  { name: 'phi3:mini', contextLength: 4096, family: 'phi3' },
];
const ROLES = {
  models: {
    main: { provider: 'ollama', modelId: 'llama3.2' },
    fallback: { provider: 'ollama', modelId: 'qwen2.5:7b' },
  },
};

let r: Rig | undefined;
afterEach(async () => {
  await r?.done();
  r = undefined;
});

describe('bounded waiting on a local server (the executor is the only timeout layer)', () => {
  it('a server that accepts and never answers: TIMEOUT saying so, no retry on the same endpoint, then the endpoint is skipped', async () => {
    r = await rig({
      server: { models: THREE_CHAT_MODELS },
      config: ROLES,
      local: { retries: 2, timeouts: { firstTokenMs: 600, idleMs: 600, requestMs: 60_000, probeMs: 1500 } },
    });
    r.server.fault({ kind: 'hang', times: 10, path: /^\/api\/chat$/ });
    const e = await r.project
      .api()
      .generateText({ type: 'GENERAL', messages: ask('hello') })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'TIMEOUT' });
    const msg = (e as Error).message;
    const m =
      /^Ollama at http:\/\/127\.0\.0\.1:\d+ accepted the request for llama3\.2:latest and sent nothing for ([\d.]+) s; no model load in progress/.exec(
        msg,
      );
    expect(m, msg).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(0.6);
    // The fallback on the same server got a third of the deadline, then the server was skipped.
    const q =
      /then qwen2\.5:7b: .*sent nothing for ([\d.]+) s.*; phi3:mini: skipped http:\/\/127\.0\.0\.1:\d+: it went silent/.exec(
        msg,
      );
    expect(q, msg).not.toBeNull();
    expect(Number(q![1])).toBeGreaterThanOrEqual(0.2);
    expect(Number(q![1])).toBeLessThan(Number(m![1]));
    expect((e as { hint?: string }).hint).toMatch(
      /running but not answering: restart it .*local\.timeouts\.firstTokenMs/,
    );
    expect(chatRequests(r.server).map((q) => (q.body as { model: string }).model)).toEqual([
      'llama3.2:latest',
      'qwen2.5:7b',
    ]);
    // Before giving up it asked the server whether a model load was in progress.
    expect(r.server.counts()['/api/ps']).toBeGreaterThanOrEqual(1);
    expect(r.failures.map((f) => (f.error as { code: string }).code)).toEqual(['TIMEOUT', 'TIMEOUT', 'CIRCUIT_OPEN']);
  });

  it('a model that went silent is skipped by the next request without asking it again', async () => {
    r = await rig({
      server: { models: THREE_CHAT_MODELS },
      config: ROLES,
      local: { timeouts: { firstTokenMs: 400, idleMs: 400, requestMs: 60_000, probeMs: 1500 } },
    });
    r.server.fault({ kind: 'hang', model: 'llama3.2' });
    const api = r.project.api();
    const first = await api.generateText({ type: 'GENERAL', messages: ask('one') });
    expect(first.model.model).toBe('qwen2.5:7b');
    const second = await api.generateText({ type: 'GENERAL', messages: ask('two') });
    expect(second.model.model).toBe('qwen2.5:7b');
    expect(second.attempts[0]).toMatchObject({ model: 'llama3.2:latest', errorCode: 'CIRCUIT_OPEN' });
    expect(
      chatRequests(r.server).filter((q) => (q.body as { model: string }).model === 'llama3.2:latest'),
    ).toHaveLength(1);
  });

  it('waits past the first-token deadline while the server says a model load is in progress', async () => {
    r = await rig({
      server: { models: THREE_CHAT_MODELS },
      config: ROLES,
      local: { timeouts: { firstTokenMs: 300, idleMs: 300, requestMs: 60_000, probeMs: 1500 } },
    });
    r.server.fault({ kind: 'slow-load', ms: 1500, model: 'llama3.2' });
    const events: { type: string; loading?: boolean }[] = [];
    const a = await r.project.api().generateText({
      type: 'GENERAL',
      messages: ask('hello after a cold load'),
      onProgress: (ev) => events.push(ev),
    });
    expect(a.model.model).toBe('llama3.2:latest');
    expect(a.attempts).toEqual([expect.objectContaining({ ok: true, kind: 'first' })]);
    expect(events.filter((ev) => ev.type === 'model-waiting').length).toBeGreaterThanOrEqual(1);
    expect(events.find((ev) => ev.type === 'model-waiting')).toMatchObject({ loading: true });
    expect(r.server.counts()['/api/ps']).toBeGreaterThanOrEqual(1);
  });

  it('gives up on a load that outlasts local.timeouts.requestMs, saying a load was in progress', async () => {
    r = await rig({
      server: { models: THREE_CHAT_MODELS },
      config: { models: { main: { provider: 'ollama', modelId: 'llama3.2' } } },
      // deadlines long enough that a loaded machine still sees the load start before the first one
      local: { timeouts: { firstTokenMs: 750, idleMs: 750, requestMs: 2700, probeMs: 1500 } },
    });
    r.server.fault({ kind: 'slow-load', ms: 30_000, model: 'llama3.2' });
    const e = await r.project
      .api()
      .generateText({ type: 'GENERAL', model: 'llama3.2', strictModel: true, messages: ask('hello') })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'TIMEOUT' });
    const m = /sent nothing for ([\d.]+) s; a model load was in progress/.exec((e as Error).message);
    expect(m, (e as Error).message).not.toBeNull();
    // it waited past the first-token deadline, up to requestMs (no upper bound: no timed assertions)
    expect(Number(m![1])).toBeGreaterThanOrEqual(2.7);
  });

  it('a stream that stalls mid-answer: the error says how much arrived; the fallback answers', async () => {
    r = await rig({
      server: { models: THREE_CHAT_MODELS },
      config: ROLES,
      local: { timeouts: { firstTokenMs: 5000, idleMs: 300, requestMs: 60_000, probeMs: 1500 } },
    });
    r.server.fault({ kind: 'stall', model: 'llama3.2' });
    const a = await r.project.api().generateText({ type: 'GENERAL', messages: ask('hello') });
    expect(a.model.model).toBe('qwen2.5:7b');
    expect(a.attempts[0]!.error).toMatch(
      /^Ollama at http:\/\/127\.0\.0\.1:\d+ stopped sending llama3\.2:latest's answer after \d+ characters: nothing for 0\.[3-9] s/,
    );
    expect(r.failures[0]).toMatchObject({ recoveredBy: 'fallback' });
  });

  it('requests queued on a one-slot server are not cut while the server works through the queue', async () => {
    // Each answer costs 250 ms of silent prompt processing; the first-token deadline is 400 ms. The fifth
    // request waits ~1 s for its turn, then is silent alone for 250 ms right after the others' answers
    // ended: the server is working, not hung (an Ollama /api/ps says nothing about queues).
    r = await rig({
      server: { models: THREE_CHAT_MODELS, compute: { promptTimeMs: 250, slots: 1 } },
      config: { models: { main: { provider: 'ollama', modelId: 'llama3.2' } } },
      local: { concurrency: 8, timeouts: { firstTokenMs: 400, idleMs: 5000, requestMs: 60_000, probeMs: 1500 } },
    });
    const api = r.project.api();
    const answers = await Promise.all(
      ['one', 'two', 'three', 'four', 'five'].map((q) =>
        api.generateText({ type: 'GENERAL', model: 'llama3.2', strictModel: true, messages: ask(q) }),
      ),
    );
    expect(answers.map((a) => a.attempts.length)).toEqual([1, 1, 1, 1, 1]);
    expect(r.failures).toEqual([]);
    expect(chatRequests(r.server)).toHaveLength(5);
  });

  it('per-task deadlines override local.timeouts (health asks in seconds, not minutes)', async () => {
    r = await rig({ server: { models: THREE_CHAT_MODELS }, config: ROLES });
    r.server.fault({ kind: 'hang', times: 5, path: /^\/api\/chat$/ });
    const e = await r.project
      .api()
      .generateText({
        type: 'GENERAL',
        model: 'llama3.2',
        strictModel: true,
        messages: ask('hello'),
        timeouts: { firstTokenMs: 300 },
      })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'TIMEOUT' });
    expect((e as Error).message).toMatch(/sent nothing for 0\.[3-9] s/);
  });
});
