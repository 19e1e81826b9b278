import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LlamaCppProvider } from '../../../src/models/providers/llama-cpp.js';
import type { ChatChunk, ChatRequest } from '../../../src/models/types.js';
import { ensureLlamaCppForTests, makeTinyGguf, writeTinyGguf } from '../../support/make-tiny-gguf.js';

let dir: string;
let tiny: string;

beforeAll(() => {
  ensureLlamaCppForTests();
  dir = mkdtempSync(join(tmpdir(), 'tml-embedded-'));
  tiny = writeTinyGguf(join(dir, 'tiny.gguf'));
});
afterAll(async () => {
  await LlamaCppProvider.disposeAll();
});

async function collect(it: AsyncIterable<ChatChunk>) {
  let text = '';
  let done: Extract<ChatChunk, { type: 'done' }> | undefined;
  let deltas = 0;
  for await (const c of it) {
    if (c.type === 'delta') {
      text += c.text;
      deltas++;
    } else if (c.type === 'done') done = c;
  }
  return { text, done, deltas };
}

const TaskSchema = z.object({
  title: z.string().max(24),
  priority: z.enum(['low', 'medium', 'high']),
  done: z.boolean(),
  estimate: z.number().int().min(1).max(8),
  tags: z.array(z.string().max(10)).max(3),
});

function request(over: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: tiny,
    messages: [
      { role: 'system', content: 'You output JSON.' },
      { role: 'user', content: 'Create a task: buy milk' },
    ],
    maxTokens: 200,
    seed: 1,
    ...over,
  };
}

describe('LlamaCppProvider with a real tiny GGUF', () => {
  it('streams a chat answer with usage and a finish reason', async () => {
    const p = new LlamaCppProvider({ endpoint: tiny });
    const r = await collect(p.chat(request({ maxTokens: 40 })));
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.deltas).toBeGreaterThan(0);
    expect(r.done?.usage.promptTokens).toBeGreaterThan(0);
    expect(r.done?.usage.completionTokens).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(r.done?.finishReason);
  });

  it('answers under a JSON-schema grammar with values the zod schema accepts', async () => {
    const p = new LlamaCppProvider({ endpoint: tiny });
    const schema = z.toJSONSchema(TaskSchema) as Record<string, unknown>;
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = await collect(p.chat(request({ jsonSchema: schema, seed, temperature: 0.8 })));
      const parsed = TaskSchema.safeParse(JSON.parse(r.text));
      expect(parsed.success, `seed ${seed}: ${r.text}`).toBe(true);
      // The bounded integer became an enum, so the grammar itself kept it in range.
      expect([1, 2, 3, 4, 5, 6, 7, 8]).toContain(JSON.parse(r.text).estimate);
    }
  });

  it('is deterministic for a fixed seed and continues a multi-turn history', async () => {
    const p = new LlamaCppProvider({ endpoint: tiny });
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: '{"a":1}' },
      { role: 'user', content: 'again' },
    ];
    const a = await collect(p.chat(request({ messages, seed: 7, temperature: 0.8, maxTokens: 30 })));
    const b = await collect(p.chat(request({ messages, seed: 7, temperature: 0.8, maxTokens: 30 })));
    expect(a.text).toBe(b.text);
    const single = await collect(
      p.chat(request({ messages: [messages[2]!], seed: 7, temperature: 0.8, maxTokens: 30 })),
    );
    expect(a.done!.usage.promptTokens).toBeGreaterThan(single.done!.usage.promptTokens);
  });

  it('serves more concurrent chats than the context has sequences, loading the model once', async () => {
    await LlamaCppProvider.disposeAll();
    const p = new LlamaCppProvider({ endpoint: tiny, sequences: 2 });
    const spy = { n: 0 };
    const { getRuntime } = await import('../../../src/models/embedded/runtime.js');
    const llama = await getRuntime();
    const original = llama.loadModel.bind(llama);
    llama.loadModel = (o) => (spy.n++, original(o));
    const runs = await Promise.all([1, 2, 3, 4].map((seed) => collect(p.chat(request({ seed, maxTokens: 20 })))));
    for (const r of runs) expect(r.done?.usage.completionTokens).toBeGreaterThan(0);
    llama.loadModel = original;
    expect(spy.n).toBe(1);
  });

  it('reports finish reason "length" at the token limit', async () => {
    const p = new LlamaCppProvider({ endpoint: tiny });
    const r = await collect(
      p.chat(
        request({
          maxTokens: 3,
          jsonSchema: { type: 'object', properties: { s: { type: 'string' } }, required: ['s'] },
        }),
      ),
    );
    expect(r.done?.finishReason).toBe('length');
    expect(r.done?.usage.completionTokens).toBe(3);
  });

  it('stops generating when the signal aborts, before or during generation', async () => {
    const p = new LlamaCppProvider({ endpoint: tiny });
    const early = new AbortController();
    early.abort(new DOMException('stop', 'AbortError'));
    await expect(collect(p.chat(request({ maxTokens: 500 }), early.signal))).rejects.toMatchObject({
      name: 'AbortError',
    });
    const mid = new AbortController();
    let seen = 0;
    const run = async () => {
      for await (const c of p.chat(request({ maxTokens: 2000, seed: 3 }), mid.signal)) {
        if (c.type === 'delta' && ++seen === 1) mid.abort(new DOMException('stop', 'AbortError'));
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    // The sequence went back to the pool: the provider still answers afterwards.
    const after = await collect(p.chat(request({ maxTokens: 5 })));
    expect(after.done?.usage.completionTokens).toBeGreaterThan(0);
  });

  it('stops llama.cpp when the consumer stops reading early', async () => {
    const p = new LlamaCppProvider({ endpoint: tiny, sequences: 1 });
    for await (const c of p.chat(request({ maxTokens: 2000 }))) if (c.type === 'delta') break;
    const next = await collect(p.chat(request({ maxTokens: 5 })));
    expect(next.done?.usage.completionTokens).toBeGreaterThan(0);
  });

  it('embeds texts as fixed-size vectors, the same text the same vector', async () => {
    const p = new LlamaCppProvider({ endpoint: tiny });
    const v = await p.embed(tiny, ['hello world', 'something else', 'hello world', '']);
    expect(v).toHaveLength(4);
    expect(v[0]).toHaveLength(64);
    expect(v[2]).toEqual(v[0]);
    expect(v[1]).not.toEqual(v[0]);
    expect(v[0]!.every(Number.isFinite)).toBe(true);
  });

  it('lists the file with size and context length from its metadata, and health loads it', async () => {
    const p = new LlamaCppProvider({ endpoint: tiny });
    const [m] = await p.listModels();
    expect(m).toMatchObject({
      provider: 'llama-cpp',
      model: tiny,
      contextLength: 4096,
      family: 'llama',
      embedding: false,
      path: tiny,
    });
    expect(m!.sizeBytes).toBe(471456);
    const h = await p.health();
    expect(h).toMatchObject({ ok: true, endpoint: tiny });
    expect(h.version).toMatch(/^llama\.cpp /);
    expect(await p.contextLength(tiny)).toBe(4096);
  });

  it('runs a model pulled by Ollama straight from its blob store', async () => {
    const store = join(dir, 'ollama');
    const digest = 'a'.repeat(64);
    mkdirSync(join(store, 'blobs'), { recursive: true });
    writeFileSync(join(store, 'blobs', `sha256-${digest}`), makeTinyGguf({ seed: 3 }));
    mkdirSync(join(store, 'manifests/registry.ollama.ai/library/tiny'), { recursive: true });
    writeFileSync(
      join(store, 'manifests/registry.ollama.ai/library/tiny/latest'),
      JSON.stringify({ layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}` }] }),
    );
    const p = new LlamaCppProvider({ endpoint: 'ollama:tiny', env: { OLLAMA_MODELS: store } });
    const r = await collect(p.chat(request({ model: 'ollama:tiny', maxTokens: 10 })));
    expect(r.done?.usage.completionTokens).toBeGreaterThan(0);
  });
});

describe('LlamaCppProvider bad input: one clear line each', () => {
  const errorOf = async (p: LlamaCppProvider, model: string) => {
    try {
      await collect(p.chat(request({ model })));
    } catch (e) {
      return e as {
        code: string;
        message: string;
        hint?: string;
        details?: Record<string, unknown>;
        retryable?: boolean;
      };
    }
    throw new Error('expected a failure');
  };

  it('rejects a file that is not a GGUF', async () => {
    const f = join(dir, 'notes.gguf');
    writeFileSync(f, 'this is text, not a model\n');
    const e = await errorOf(new LlamaCppProvider({ endpoint: f }), f);
    expect(e).toMatchObject({ code: 'PROVIDER_ERROR', retryable: false, details: { problem: 'not-gguf' } });
    expect(e.message).toContain('is not a GGUF model file');
    expect(e.message).not.toContain('\n');
  });

  it('rejects a truncated GGUF before llama.cpp sees it', async () => {
    const f = join(dir, 'cut.gguf');
    writeFileSync(f, makeTinyGguf().subarray(0, 300_000));
    const e = await errorOf(new LlamaCppProvider({ endpoint: f }), f);
    expect(e).toMatchObject({ code: 'PROVIDER_ERROR', details: { problem: 'truncated' } });
    expect(e.hint).toMatch(/download it again/);
  });

  it('rejects an architecture llama.cpp does not know', async () => {
    const f = writeTinyGguf(join(dir, 'alien.gguf'), { architecture: 'nosucharch' });
    const e = await errorOf(new LlamaCppProvider({ endpoint: f }), f);
    expect(e).toMatchObject({ code: 'PROVIDER_ERROR', details: { problem: 'unknown-architecture' } });
    expect(e.message).toContain("'nosucharch'");
  });

  it('refuses a model too large for free memory before loading it', async () => {
    const p = new LlamaCppProvider({ endpoint: tiny, availableMemory: () => 1024 * 1024 });
    const f = writeTinyGguf(join(dir, 'big.gguf'), { seed: 9 });
    const e = await errorOf(p, f);
    expect(e).toMatchObject({ code: 'PROVIDER_ERROR', details: { problem: 'insufficient-memory' } });
    expect(e.message).toMatch(/needs about .* GiB of memory but only 0\.0 GiB is free/);
  });

  it('names an Ollama model that has no local blob, with a pull hint', async () => {
    const p = new LlamaCppProvider({ endpoint: 'ollama:llama3.2', env: { OLLAMA_MODELS: join(dir, 'empty-store') } });
    const e = await errorOf(p, 'ollama:llama3.2');
    expect(e).toMatchObject({ code: 'MODEL_NOT_FOUND', details: { problem: 'no-ollama-blob' } });
    expect(e.hint).toContain('ollama pull llama3.2');
  });

  it('reports a missing file as MODEL_NOT_FOUND and health says why without throwing', async () => {
    const f = join(dir, 'nope.gguf');
    const e = await errorOf(new LlamaCppProvider({ endpoint: f }), f);
    expect(e).toMatchObject({ code: 'MODEL_NOT_FOUND' });
    const h = await new LlamaCppProvider({ endpoint: f }).health();
    expect(h).toMatchObject({ ok: false, endpoint: f });
    expect(h.error).toContain('does not exist');
  });
});
