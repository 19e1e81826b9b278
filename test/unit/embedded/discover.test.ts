import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverEmbeddedModels } from '../../../src/models/embedded/discover.js';
import { makeTinyGguf } from '../../support/make-tiny-gguf.js';

function tree(files: Record<string, Buffer | string>) {
  const root = mkdtempSync(join(tmpdir(), 'tml-disc-'));
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), data);
  }
  return root;
}

describe('discoverEmbeddedModels', () => {
  it('finds GGUF files in model dirs (nested, first shard only) and Ollama blobs, with metadata', () => {
    const tiny = makeTinyGguf();
    const digest = 'b'.repeat(64);
    const root = tree({
      'models/a.gguf': tiny,
      'models/pub/repo/b-q4.GGUF': makeTinyGguf({ ctx: 2048 }),
      'models/split-00001-of-00002.gguf': tiny,
      'models/split-00002-of-00002.gguf': tiny,
      'models/readme.txt': 'x',
      'models/.hidden/c.gguf': tiny,
      'models/mmproj.gguf': makeTinyGguf({ architecture: 'clip' }),
      'models/broken.gguf': 'not a model',
      [`ollama/blobs/sha256-${digest}`]: tiny,
      'ollama/manifests/registry.ollama.ai/library/tiny/latest': JSON.stringify({
        layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}` }],
      }),
    });
    const { models, skipped } = discoverEmbeddedModels({
      modelDirs: ['models'],
      cwd: root,
      env: { OLLAMA_MODELS: join(root, 'ollama') },
    });
    expect(models.map((m) => m.model)).toEqual([
      join(root, 'models/a.gguf'),
      join(root, 'models/pub/repo/b-q4.GGUF'),
      join(root, 'models/split-00001-of-00002.gguf'),
      'ollama:tiny:latest',
    ]);
    expect(models[1]).toMatchObject({
      provider: 'llama-cpp',
      contextLength: 2048,
      family: 'llama',
      sizeBytes: expect.any(Number),
      embedding: false,
      capabilities: ['completion'],
    });
    expect(models[3]).toMatchObject({
      endpoint: 'ollama:tiny:latest',
      path: join(root, `ollama/blobs/sha256-${digest}`),
    });
    expect(skipped).toEqual([
      { path: join(root, 'models/broken.gguf'), error: expect.stringContaining('is not a GGUF model file') },
    ]);
  });

  it('expands ~ and returns nothing for missing directories', () => {
    const home = tree({ 'gguf/x.gguf': makeTinyGguf() });
    const r = discoverEmbeddedModels({
      modelDirs: ['~/gguf', '/does/not/exist'],
      home,
      env: { OLLAMA_MODELS: join(home, 'none') },
    });
    expect(r.models.map((m) => m.model)).toEqual([join(home, 'gguf/x.gguf')]);
    expect(discoverEmbeddedModels({ includeOllama: false }).models).toEqual([]);
  });
});
