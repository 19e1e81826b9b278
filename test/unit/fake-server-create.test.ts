import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';

let fake: FakeServer;
beforeEach(async () => {
  fake = await startFakeServer();
});
afterEach(async () => {
  await fake.close();
});

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const ADAPTER = Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0, 0xff, 0x00, 0x80])]);
const blob = (digest: string, method: 'HEAD' | 'POST', body?: Buffer) =>
  fetch(`${fake.url}/api/blobs/${digest}`, { method, body });
const create = async (body: Record<string, unknown>) => {
  const res = await fetch(`${fake.url}/api/create`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  return {
    status: res.status,
    lines: text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
  };
};

describe('fake Ollama blobs', () => {
  it('HEAD is 404 until the blob is pushed, POST verifies the digest and stores the bytes', async () => {
    const d = digestOf(ADAPTER);
    expect((await blob(d, 'HEAD')).status).toBe(404);
    const wrong = await blob(d, 'POST', Buffer.from('not the adapter'));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe(
      `digest mismatch, expected "${d}", got "${digestOf(Buffer.from('not the adapter'))}"`,
    );
    expect((await blob(d, 'POST', ADAPTER)).status).toBe(201);
    expect((await blob(d, 'HEAD')).status).toBe(200);
    expect((await blob(d, 'POST', ADAPTER)).status).toBe(200);
    expect(fake.blobs()).toEqual([d]);
    const bad = await blob('sha256:1234', 'POST', ADAPTER);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid digest format' });
  });
});

describe('fake Ollama create', () => {
  it('creates a model from a base and a LoRA adapter, streaming status lines; it then lists and answers', async () => {
    const d = digestOf(ADAPTER);
    await blob(d, 'POST', ADAPTER);
    const r = await create({ model: 'tasks-tuned', from: 'llama3.2', adapters: { 'adapter.gguf': d } });
    expect(r.status).toBe(200);
    const statuses = r.lines.map((l) => l.status as string);
    expect(statuses[0]).toBe('parsing GGUF');
    expect(statuses).toContain(`using existing layer ${d}`);
    expect(statuses.slice(-2)).toEqual(['writing manifest', 'success']);
    expect(fake.created).toEqual([
      expect.objectContaining({ name: 'tasks-tuned:latest', from: 'llama3.2:latest', adapters: { 'adapter.gguf': d } }),
    ]);
    const tags = (await (await fetch(`${fake.url}/api/tags`)).json()) as {
      models: Array<{ name: string; details: { parent_model: string } }>;
    };
    expect(tags.models.find((m) => m.name === 'tasks-tuned:latest')?.details.parent_model).toBe('llama3.2:latest');
    const show = (await (
      await fetch(`${fake.url}/api/show`, { method: 'POST', body: JSON.stringify({ model: 'tasks-tuned' }) })
    ).json()) as {
      modelfile: string;
    };
    expect(show.modelfile).toBe(`FROM llama3.2:latest\nADAPTER ${d}`);
    const chat = await fetch(`${fake.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'tasks-tuned', messages: [{ role: 'user', content: 'hi' }], stream: false }),
    });
    expect(((await chat.json()) as { model: string }).model).toBe('tasks-tuned:latest');
  });

  it('answers once with stream:false', async () => {
    const r = await create({ model: 'copy', from: 'llama3.2', system: 'Be brief.', stream: false });
    expect(r).toEqual({ status: 200, lines: [{ status: 'success' }] });
  });

  it('refuses what Ollama refuses, with its messages and statuses', async () => {
    const d = digestOf(ADAPTER);
    const notGguf = Buffer.from('PK\u0003\u0004 a zip');
    await blob(digestOf(notGguf), 'POST', notGguf);
    await blob(d, 'POST', ADAPTER);
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ model: 'x' }, 400, "neither 'from' or 'files' was specified"],
      [{ model: 'x', from: 'llama3.2', adapters: { 'a.gguf': '' } }, 400, 'invalid digest format'],
      [
        { model: 'x', from: 'llama3.2', adapters: { 'a.gguf': d, 'b.gguf': d } },
        400,
        'only one adapter is currently supported',
      ],
      [{ model: 'x', from: 'llama3.2', adapters: { adapter: digestOf(notGguf) } }, 400, 'unknown type'],
      [{ model: 'x', files: { '/abs/model.gguf': d } }, 400, 'file path must be relative'],
      [{ model: 'bad name!', from: 'llama3.2' }, 400, 'invalid model name'],
    ];
    for (const [body, status, error] of cases) {
      expect(await create(body), JSON.stringify(body)).toEqual({ status, lines: [{ error }] });
    }
    // Errors after a status line arrive inside the 200 stream, as Ollama streams them.
    expect(await create({ model: 'x', from: 'llama3.2', adapters: { 'a.gguf': digestOf(notGguf) } })).toEqual({
      status: 200,
      lines: [{ status: 'parsing GGUF' }, { error: 'supplied file was not in GGUF format' }],
    });
    const missing = await create({ model: 'x', from: 'llama3.2', adapters: { 'a.gguf': `sha256:${'0'.repeat(64)}` } });
    expect(missing.status).toBe(200);
    expect(missing.lines[1].error).toMatch(/no such file or directory$/);
    const unknownBase = await create({ model: 'x', from: 'no-such-model' });
    expect(unknownBase).toEqual({
      status: 200,
      lines: [{ status: 'pulling manifest' }, { error: 'pull model manifest: file does not exist' }],
    });
    expect(fake.created).toEqual([]);
    expect(fake.models().map((m) => m.name)).not.toContain('x:latest');
  });
});
