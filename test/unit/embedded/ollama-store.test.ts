import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  listOllamaStore,
  ollamaModelsDir,
  parseOllamaName,
  resolveOllamaModel,
} from '../../../src/models/embedded/ollama-store.js';

function store(models: Record<string, { blob?: boolean; mediaType?: string }>) {
  const root = mkdtempSync(join(tmpdir(), 'tml-ollama-'));
  let n = 0;
  for (const [path, m] of Object.entries(models)) {
    const digest = (++n).toString(16).padStart(64, '0');
    const manifest = join(root, 'manifests', path);
    mkdirSync(join(manifest, '..'), { recursive: true });
    writeFileSync(
      manifest,
      JSON.stringify({
        layers: [
          { mediaType: 'application/vnd.ollama.image.template', digest: `sha256:${'f'.repeat(64)}` },
          { mediaType: m.mediaType ?? 'application/vnd.ollama.image.model', digest: `sha256:${digest}` },
        ],
      }),
    );
    mkdirSync(join(root, 'blobs'), { recursive: true });
    if (m.blob !== false) writeFileSync(join(root, 'blobs', `sha256-${digest}`), 'GGUF....');
  }
  return root;
}

describe('Ollama store', () => {
  it('parses names the way Ollama does', () => {
    expect(parseOllamaName('llama3.2')).toEqual({
      registry: 'registry.ollama.ai',
      namespace: 'library',
      name: 'llama3.2',
      tag: 'latest',
    });
    expect(parseOllamaName('ollama:qwen2.5:0.5b')).toMatchObject({
      namespace: 'library',
      name: 'qwen2.5',
      tag: '0.5b',
    });
    expect(parseOllamaName('user/model:q4')).toMatchObject({ namespace: 'user', name: 'model', tag: 'q4' });
    expect(parseOllamaName('host:5000/ns/m')).toEqual({
      registry: 'host:5000',
      namespace: 'ns',
      name: 'm',
      tag: 'latest',
    });
  });

  it('uses OLLAMA_MODELS, else ~/.ollama/models', () => {
    expect(ollamaModelsDir({ env: { OLLAMA_MODELS: '/data/ollama' } })).toBe('/data/ollama');
    expect(ollamaModelsDir({ env: {}, home: '/home/u' })).toBe('/home/u/.ollama/models');
  });

  it('resolves a manifest to its model layer blob', () => {
    const root = store({ 'registry.ollama.ai/library/llama3.2/latest': {}, 'registry.ollama.ai/me/tiny/q8': {} });
    const env = { OLLAMA_MODELS: root };
    expect(resolveOllamaModel('llama3.2', { env })).toBe(join(root, 'blobs', `sha256-${'1'.padStart(64, '0')}`));
    expect(resolveOllamaModel('ollama:me/tiny:q8', { env })).toBe(
      join(root, 'blobs', `sha256-${'2'.padStart(64, '0')}`),
    );
  });

  it('explains a missing manifest, a missing blob and a manifest without a model layer', () => {
    const root = store({
      'registry.ollama.ai/library/gone/latest': { blob: false },
      'registry.ollama.ai/library/odd/latest': { mediaType: 'x' },
    });
    const env = { OLLAMA_MODELS: root };
    const err = (ref: string) => {
      try {
        resolveOllamaModel(ref, { env });
      } catch (e) {
        return e as { code: string; message: string; hint: string };
      }
      throw new Error('expected failure');
    };
    expect(err('nothere')).toMatchObject({
      code: 'MODEL_NOT_FOUND',
      hint: expect.stringContaining('ollama pull nothere'),
    });
    expect(err('nothere').message).toContain('no manifest');
    expect(err('gone').message).toContain('is missing');
    expect(err('odd').message).toContain('no model layer');
  });

  it('lists pulled models with a blob, leaving out broken ones', () => {
    const root = store({
      'registry.ollama.ai/library/a/latest': {},
      'registry.ollama.ai/library/a/small': {},
      'registry.ollama.ai/library/broken/latest': { blob: false },
      'registry.ollama.ai/user/b/latest': {},
    });
    const names = listOllamaStore({ env: { OLLAMA_MODELS: root } }).map((m) => m.ref);
    expect(names).toEqual(['ollama:a:latest', 'ollama:a:small', 'ollama:user/b:latest']);
    expect(listOllamaStore({ env: { OLLAMA_MODELS: join(root, 'nope') } })).toEqual([]);
  });
});
