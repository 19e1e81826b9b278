import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finetuneRegisterUseCase } from '../../../src/application/finetune-register.js';
import { openProject } from '../../../src/application/project.js';
import { LlamaCppProvider } from '../../../src/models/providers/llama-cpp.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { ensureLlamaCppForTests, makeTinyGguf, makeTinyLoraGguf } from '../../support/make-tiny-gguf.js';

let server: FakeServer;
beforeAll(async () => {
  ensureLlamaCppForTests();
  server = await startFakeServer();
});
afterAll(async () => {
  await server.close();
  await LlamaCppProvider.disposeAll();
});

const env = (root: string) => ({
  HOME: root,
  OLLAMA_HOST: server.url,
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
});
const config = (root: string) => JSON.parse(readFileSync(join(root, '.taskmaster/config.json'), 'utf8'));

describe('finetune register', () => {
  it('embedded: the tiny model + a tiny LoRA adapter load through the alias and answer schema-valid JSON', async () => {
    const root = tempProject({
      'models/tiny.gguf': makeTinyGguf({ quoteBias: 2 }),
      'out/adapter.gguf': makeTinyLoraGguf(),
    });
    const p = openProject({ cwd: root, env: env(root), backoffMs: 1 });
    const r = await finetuneRegisterUseCase(p, {
      adapter: 'out/adapter.gguf',
      base: 'models/tiny.gguf',
      alias: 'tiny-tuned',
    });
    expect(r.runtime).toBe('embedded');
    expect(r.adapterTensors).toBe(4);
    expect(r.alpha).toBe(8);
    expect(r.check!.valid).toBe(true);
    expect(r.check!.answer).toMatchObject({ title: expect.any(String), complexity: expect.any(Number) });
    const entry = config(root).local.registry['tiny-tuned'];
    expect(entry.provider).toBe('llama-cpp');
    expect(entry.model).toBe(
      `${join(root, 'models/tiny.gguf')}+lora:${join(root, '.taskmaster/finetune/adapters/tiny-tuned.gguf')}`,
    );
    p.close();
    // A fresh project resolves the alias like any model (it can be set to a role).
    const q = openProject({ cwd: root, env: env(root), backoffMs: 1 });
    const ref = await q.catalog().resolve('tiny-tuned');
    expect(ref.model).toBe(entry.model);
    q.close();
  });

  it('refuses an adapter for another architecture or another base before loading: one line, nothing registered', async () => {
    const root = tempProject({
      'models/tiny.gguf': makeTinyGguf(),
      'qwen.gguf': makeTinyLoraGguf({ architecture: 'qwen2' }),
      'small.gguf': makeTinyLoraGguf({ dim: 32 }),
      'plain.gguf': makeTinyGguf({ seed: 5 }),
    });
    const p = openProject({ cwd: root, env: env(root), backoffMs: 1 });
    const reg = (adapter: string) =>
      finetuneRegisterUseCase(p, { adapter, base: 'models/tiny.gguf', alias: 'x' }).then(
        () => undefined,
        (e: Error) => e,
      );
    const arch = await reg('qwen.gguf');
    expect(arch?.message).toMatch(
      /qwen\.gguf is an adapter for architecture qwen2, but the base .*tiny\.gguf is llama$/,
    );
    expect((arch as { exitCode?: number }).exitCode).toBe(2);
    expect((await reg('small.gguf'))?.message).toMatch(
      /small\.gguf was trained for a different base: blk\.0\.attn_q\.weight is \[64, 64\] in .*tiny\.gguf, the adapter expects \[32, 32\]/,
    );
    expect((await reg('plain.gguf'))?.message).toMatch(/plain\.gguf is not a LoRA adapter/);
    expect(existsSync(join(root, '.taskmaster/config.json'))).toBe(false);
    p.close();
  });

  it('Ollama: pushes the adapter as a blob, creates the model from the base, registers the alias', async () => {
    const root = tempProject({ 'adapter.gguf': makeTinyLoraGguf() });
    const p = openProject({ cwd: root, env: env(root), backoffMs: 1 });
    const notes: string[] = [];
    const r = await finetuneRegisterUseCase(
      p,
      { adapter: 'adapter.gguf', base: 'llama3.2:latest', alias: 'llama-tuned' },
      { onNote: (n) => notes.push(n) },
    );
    expect(r).toMatchObject({ runtime: 'ollama', entry: { provider: 'ollama', model: 'llama-tuned:latest' } });
    expect(server.blobs()).toContain(r.digest);
    expect(server.created.at(-1)).toMatchObject({
      name: 'llama-tuned:latest',
      from: 'llama3.2:latest',
      adapters: { 'adapter.gguf': r.digest },
    });
    expect(notes).toContain('success');
    expect(r.check!.valid).toBe(true);
    expect(config(root).local.registry['llama-tuned']).toMatchObject({
      provider: 'ollama',
      model: 'llama-tuned:latest',
    });
    // A base the server does not have: Ollama's error, one line, nothing registered.
    const e = await finetuneRegisterUseCase(p, { adapter: 'adapter.gguf', base: 'nope:1b', alias: 'nope-tuned' }).catch(
      (x: Error) => x,
    );
    expect((e as Error).message).toMatch(/nope/);
    expect(config(root).local.registry['nope-tuned']).toBeUndefined();
    p.close();
  });
});
