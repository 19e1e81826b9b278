import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openProject } from '../../../src/application/project.js';
import { MetricsRepo } from '../../../src/storage/metrics-repo.js';
import { chatRequests, rig, TWO_CHAT_MODELS, type Rig } from './setup.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.done();
  r = undefined;
});

describe('ModelCatalog', () => {
  it('discovers models with local-<name> aliases and defaults every role from them (never saved)', async () => {
    r = await rig({ server: { models: TWO_CHAT_MODELS } });
    const refs = await r.project.catalog().refs();
    expect(refs.map((x) => [x.alias, x.model, !!x.embedding])).toEqual([
      ['local-llama3.2', 'llama3.2:latest', false],
      ['local-qwen2.5-7b', 'qwen2.5:7b', false],
      ['local-nomic-embed-text', 'nomic-embed-text:latest', true],
    ]);
    expect(refs[0]).toMatchObject({ local: true, contextLength: 8192, endpoint: r.server.url });
    const roles = await r.project.catalog().effectiveRoles();
    expect(roles.main).toMatchObject({ source: 'default', ref: { alias: 'local-llama3.2' } });
    expect(roles.research).toMatchObject({ source: 'default', ref: { alias: 'local-llama3.2' } });
    expect(roles.fallback).toMatchObject({ source: 'default', ref: { alias: 'local-qwen2.5-7b' } });
    expect(roles.embeddings).toMatchObject({ source: 'default', ref: { alias: 'local-nomic-embed-text' } });
  });

  it('maps task-master roles (ollama baseURL with /api, plain ids) onto discovered models', async () => {
    r = await rig({
      server: { models: TWO_CHAT_MODELS },
      config: {
        models: {
          main: { provider: 'ollama', modelId: 'qwen2.5:7b', maxTokens: 4000, temperature: 0.1 },
          research: { provider: 'google', modelId: 'gemini' },
        },
      },
    });
    const roles = await r.project.catalog().effectiveRoles();
    expect(roles.main).toMatchObject({
      source: 'configured',
      ref: { alias: 'local-qwen2.5-7b', maxTokens: 4000, temperature: 0.1 },
    });
    expect(roles.research.skipped).toContain("provider 'google' is not supported");
    expect(roles.research).toMatchObject({ source: 'default', ref: { alias: 'local-qwen2.5-7b' } });
    const a = await r.project.api().generateText({ type: 'GENERAL', messages: [{ role: 'user', content: 'hi' }] });
    expect(a.model.model).toBe('qwen2.5:7b');
    const body = chatRequests(r.server)[0]!.body as { options: { temperature: number; num_predict: number } };
    expect(body.options).toMatchObject({ temperature: 0.1, num_predict: 4000 });
  });

  it('resolves aliases and plain ids, and lists close matches for unknown ones', async () => {
    r = await rig({
      local: { registry: { 'local-fast': { provider: 'ollama', model: 'llama3.2:latest', tier: 'SMALL' } } },
    });
    const c = r.project.catalog();
    expect((await c.resolve('llama3.2')).model).toBe('llama3.2:latest');
    expect((await c.resolve('LLAMA3.2:latest')).model).toBe('llama3.2:latest');
    expect((await c.resolve('local-fast')).tier).toBe('SMALL');
    // the registry entry and the discovered model are one ref, not two
    expect((await c.refs()).filter((x) => x.model === 'llama3.2:latest')).toHaveLength(1);
    const e = await c.resolve('llama3.3').catch((x: unknown) => x);
    expect(e).toMatchObject({
      code: 'MODEL_NOT_FOUND',
      details: { closeMatches: expect.arrayContaining(['llama3.2:latest']) },
    });
    expect((e as Error).message).toContain('did you mean');
  });

  it('probes each server once per catalog (the cache belongs to the instance, not the process)', async () => {
    r = await rig();
    await r.project.catalog().refs();
    await r.project.catalog().effectiveRoles();
    await r.project.api().resolve({ type: 'GENERAL' });
    expect(r.server.counts()['/api/tags']).toBe(1);
    const again = openProject({ cwd: r.dir, env: { OLLAMA_HOST: r.server.url } });
    await again.catalog().refs();
    again.close();
    expect(r.server.counts()['/api/tags']).toBe(2);
  });

  it('never probes a remote server in LOCAL_ONLY and says why', async () => {
    r = await rig({ env: { OLLAMA_HOST: 'http://203.0.113.7:11434', TASKMASTER_LOCAL_LLM: '1' } });
    const [s] = await r.project.catalog().servers();
    expect(s).toMatchObject({
      ok: false,
      local: false,
      skipped: expect.stringContaining('env TASKMASTER_LOCAL_LLM=true'),
    });
  });

  it('reports an unreachable server with a hint', async () => {
    r = await rig({ env: { OLLAMA_HOST: 'http://127.0.0.1:9' } });
    const [s] = await r.project.catalog().servers();
    expect(s).toMatchObject({ ok: false, hint: expect.stringContaining('ollama serve') });
  });

  it('api.resolve names the model a task would use without calling it', async () => {
    r = await rig({
      server: { models: TWO_CHAT_MODELS },
      config: { models: { research: { provider: 'ollama', modelId: 'qwen2.5:7b' } } },
    });
    expect((await r.project.api().resolve({ type: 'RESEARCH' }))?.model).toBe('qwen2.5:7b');
    expect((await r.project.api().resolve({ type: 'GENERAL' }))?.model).toBe('llama3.2:latest');
    expect(chatRequests(r.server)).toHaveLength(0);
  });
});

describe('no model reachable', () => {
  it('says which model would have been used and where, with a start hint', async () => {
    r = await rig({
      env: { OLLAMA_HOST: 'http://127.0.0.1:9' },
      config: { models: { main: { provider: 'ollama', modelId: 'llama3.2' } } },
    });
    const e = await r.project
      .api()
      .generateText({ type: 'GENERAL', messages: [{ role: 'user', content: 'x' }] })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'NO_MODEL_AVAILABLE', hint: expect.stringContaining('ollama serve') });
    expect((e as Error).message).toContain('would have used llama3.2 on ollama at http://127.0.0.1:9');
    expect(new MetricsRepo(r.project.db()).list()[0]).toMatchObject({ ok: false, errorCode: 'PROVIDER_UNREACHABLE' });
  });

  it('with nothing configured or discovered, the hint says how to start a server', async () => {
    r = await rig({ env: { OLLAMA_HOST: 'http://127.0.0.1:9' } });
    const e = await r.project
      .api()
      .generateObject({ type: 'PLANNING', messages: [{ role: 'user', content: 'x' }] }, z.object({ a: z.string() }))
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'NO_MODEL_AVAILABLE', hint: expect.stringMatching(/ollama serve.*ollama pull/) });
  });

  it('a configured model that is not pulled gets an `ollama pull` hint', async () => {
    r = await rig({
      server: { models: [{ name: 'nomic-embed-text:latest', embedding: true }] },
      config: { models: { main: { provider: 'ollama', modelId: 'mistral' } } },
    });
    const e = await r.project
      .api()
      .generateText({ type: 'GENERAL', messages: [{ role: 'user', content: 'x' }] })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'NO_MODEL_AVAILABLE', hint: 'pull it with `ollama pull mistral`' });
  });
});

describe('embed', () => {
  it('batches texts with the embedding model and meters each call', async () => {
    r = await rig();
    const out = await r.project.api().embed(['a', 'b', 'c', 'd', 'e'], { batchSize: 2 });
    expect(out).toMatchObject({ calls: 3, dimension: 384, model: { alias: 'local-nomic-embed-text' } });
    expect(out.vectors).toHaveLength(5);
    expect(r.server.counts()['/api/embed']).toBe(3);
    expect(new MetricsRepo(r.project.db()).list().map((x) => x.operation)).toEqual(['embed', 'embed', 'embed']);
  });

  it('throws NO_MODEL_AVAILABLE when there is no embedding model', async () => {
    r = await rig({ server: { models: [{ name: 'llama3.2:latest' }] } });
    await expect(r.project.api().embed(['a'])).rejects.toMatchObject({ code: 'NO_MODEL_AVAILABLE' });
  });

  it('uses local.embeddingModel when set', async () => {
    r = await rig({
      server: {
        models: [
          { name: 'llama3.2:latest' },
          { name: 'nomic-embed-text:latest', embedding: true },
          { name: 'mxbai-embed-large:latest', embedding: true },
        ],
      },
      local: { embeddingModel: 'mxbai-embed-large' },
    });
    const out = await r.project.api().embed(['a']);
    expect(out.model.model).toBe('mxbai-embed-large:latest');
  });
});

describe('discovery cache', () => {
  it('is per catalog instance: a second project sees a model pulled since, the first keeps its view until refresh', async () => {
    r = await rig({ server: { models: TWO_CHAT_MODELS } });
    const first = r.project.catalog();
    expect((await first.refs()).map((x) => x.model)).not.toContain('phi3:mini');
    r.server.setModels([...TWO_CHAT_MODELS, { name: 'phi3:mini', family: 'phi3' }]);
    const other = openProject({ cwd: r.dir, env: { OLLAMA_HOST: r.server.url } });
    try {
      expect((await other.catalog().refs()).map((x) => x.model)).toContain('phi3:mini');
    } finally {
      other.close();
    }
    expect((await first.refs()).map((x) => x.model)).not.toContain('phi3:mini');
    first.refresh();
    expect((await first.refs()).map((x) => x.model)).toContain('phi3:mini');
  });

  it('one caller aborting does not poison discovery for the next caller', async () => {
    r = await rig({ server: { models: TWO_CHAT_MODELS } });
    r.server.fault({ kind: 'latency', ms: 300, path: /^\/api\/tags$/ });
    const c = r.project.catalog();
    const ac = new AbortController();
    const gave = c.refs(ac.signal);
    ac.abort();
    await expect(gave).rejects.toMatchObject({ code: 'ABORTED' });
    const refs = await c.refs();
    expect(refs.map((x) => x.model)).toContain('qwen2.5:7b');
    expect(r.server.counts()['/api/tags']).toBe(1); // the shared probe ran once, to the end
  });
});
