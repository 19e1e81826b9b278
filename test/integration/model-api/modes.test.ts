import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRepo } from '../../../src/storage/metrics-repo.js';
import type { ModelRef } from '../../../src/models/types.js';
import { rig, type Rig } from './setup.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.done();
  r = undefined;
});

/** An "external" OpenAI-style ref served by the fake server's /v1 (local forced false: test seam). */
const external = (url: string): ModelRef => ({
  alias: 'ext-llama',
  provider: 'openai',
  model: 'llama3.2:latest',
  endpoint: `${url}/v1`,
  capabilities: ['GENERAL'],
  local: false,
});

async function servedBy(mode: string): Promise<{ paths: string[]; local: boolean[] }> {
  r = await rig({ local: { mode } });
  const { openProject } = await import('../../../src/application/project.js');
  const p = openProject({
    cwd: r.dir,
    env: { OLLAMA_HOST: r.server.url, OPENAI_API_KEY: 'sk-test' },
    extraRefs: [external(r.server.url)],
  });
  try {
    await p.api().generateText({ type: 'GENERAL', messages: [{ role: 'user', content: `hi ${mode}` }] });
    return {
      paths: r.server.requests.filter((q) => /chat/.test(q.path)).map((q) => q.path),
      local: new MetricsRepo(p.db()).list().map((m) => m.local),
    };
  } finally {
    p.close();
  }
}

describe('deployment modes with a real call', () => {
  it('EXTERNAL_PREFERRED calls the external model first and the ledger marks it non-local', async () => {
    expect(await servedBy('EXTERNAL_PREFERRED')).toEqual({ paths: ['/v1/chat/completions'], local: [false] });
  });
  it('LOCAL_PREFERRED calls the local model first', async () => {
    expect(await servedBy('LOCAL_PREFERRED')).toEqual({ paths: ['/api/chat'], local: [true] });
  });
  it('EXTERNAL_ONLY never calls the local model, even when the external one fails', async () => {
    r = await rig({ local: { mode: 'EXTERNAL_ONLY' } });
    const { openProject } = await import('../../../src/application/project.js');
    const p = openProject({
      cwd: r.dir,
      env: { OLLAMA_HOST: r.server.url, OPENAI_API_KEY: 'sk-test' },
      extraRefs: [external(r.server.url)],
    });
    r.server.fault({ kind: 'status', status: 400, path: /\/v1\/chat/ });
    await expect(
      p.api().generateText({ type: 'GENERAL', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ code: 'PROVIDER_ERROR' });
    expect(r.server.requests.filter((q) => q.path === '/api/chat')).toHaveLength(0);
    p.close();
  });
});

describe('progress', () => {
  it('reports each attempt and the text received so far', async () => {
    r = await rig();
    const events: { type: string }[] = [];
    await r.project.api().generateText({
      type: 'GENERAL',
      messages: [{ role: 'user', content: 'tell me about gardens' }],
      onProgress: (e) => events.push(e),
    });
    expect(events[0]).toMatchObject({ type: 'model-call', model: 'local-llama3.2', attempt: 'first' });
    expect(events.filter((e) => e.type === 'model-tokens').length).toBeGreaterThan(0);
  });
});

describe('LOCAL_ONLY by provider kind', () => {
  it('an openai role whose endpoint is a loopback trap socket gets 0 connections; asking for it by name is refused naming role, kind and setting', async () => {
    const { createServer } = await import('node:net');
    let connections = 0;
    const trap = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((res) => trap.listen(0, '127.0.0.1', res));
    const port = (trap.address() as { port: number }).port;
    try {
      r = await rig({
        local: { mode: 'LOCAL_ONLY' },
        config: {
          models: {
            main: { provider: 'openai', modelId: 'gpt-4o', baseURL: `http://127.0.0.1:${port}/v1` },
            fallback: { provider: 'anthropic', modelId: 'claude', baseURL: `http://localhost:${port}` },
          },
        },
        env: { OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-test' },
      });
      const api = r.project.api();
      const roles = await r.project.catalog().effectiveRoles();
      expect(roles.main.skipped).toMatch(
        /role main \(openai gpt-4o\) is external; mode LOCAL_ONLY \(set by .*\) forbids it: provider openai is an external service kind/,
      );
      expect(roles.fallback.skipped).toMatch(/provider anthropic is an external service kind/);
      // Work still runs, on the local server only.
      const a = await api.generateText({ type: 'GENERAL', messages: [{ role: 'user', content: 'hello' }] });
      expect(a.model.provider).toBe('ollama');
      const e = await api
        .generateText({ type: 'GENERAL', model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] })
        .catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'PRIVACY_REFUSED', exitCode: 3 });
      expect((e as Error).message).toMatch(/uses provider openai, and mode LOCAL_ONLY \(set by [^)]+\)/);
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((res) => trap.close(() => res()));
    }
  });
});
