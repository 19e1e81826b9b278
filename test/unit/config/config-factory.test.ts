import { describe, expect, it } from 'vitest';
import {
  ModelConfigFactory,
  defaultAlias,
  guessCapabilities,
  guessTier,
  looksLikeEmbedding,
  parameterBillions,
} from '../../../src/models/config-factory.js';
import { ValidationError } from '../../../src/errors.js';

describe('ModelConfigFactory guesses', () => {
  it('reads parameter counts from names and server sizes', () => {
    expect(parameterBillions('llama3.1:70b')).toBe(70);
    expect(parameterBillions('8.0B')).toBe(8);
    expect(parameterBillions('mixtral:8x7b')).toBe(56);
    expect(parameterBillions('smollm:135m')).toBeCloseTo(0.135);
    expect(parameterBillions('llama3.2:latest')).toBeUndefined();
  });

  it('maps sizes to tiers', () => {
    expect(guessTier('llama3.1:70b')).toBe('LARGE');
    expect(guessTier('qwen2.5:7b')).toBe('MEDIUM');
    expect(guessTier('llama3.2:3b')).toBe('SMALL');
    expect(guessTier('llama3.2:latest', '3.2B')).toBe('SMALL');
    expect(guessTier('mystery')).toBe('MEDIUM');
  });

  it('recognises embedding and code models', () => {
    for (const n of ['nomic-embed-text', 'mxbai-embed-large:latest', 'bge-m3', 'all-minilm:l6-v2']) {
      expect(looksLikeEmbedding(n), n).toBe(true);
    }
    for (const n of ['llama3.2', 'qwen2.5-coder:7b', 'gemma2:2b']) expect(looksLikeEmbedding(n), n).toBe(false);
    expect(guessCapabilities('qwen2.5-coder:7b')).toContain('CODE_GENERATION');
    expect(guessCapabilities('codellama:13b')).toContain('CODE_GENERATION');
    expect(guessCapabilities('llama3.2:1b')).not.toContain('CODE_GENERATION');
    expect(guessCapabilities('llama3.1:8b')).toEqual(
      expect.arrayContaining(['GENERAL', 'RESEARCH', 'PLANNING', 'CODE_GENERATION']),
    );
    expect(guessCapabilities('nomic-embed-text')).toEqual([]);
  });

  it('builds local-<name> aliases', () => {
    expect(defaultAlias('llama3.2:latest')).toBe('local-llama3.2');
    expect(defaultAlias('qwen2.5-coder:7b')).toBe('local-qwen2.5-coder-7b');
    expect(defaultAlias('hf.co/bartowski/Phi-3:Q4_K_M')).toBe('local-phi-3-q4_k_m');
  });
});

describe('ModelConfigFactory.create*', () => {
  it('creates an Ollama ref on the default server', () => {
    const r = ModelConfigFactory.createOllamaConfig('llama3.2:latest');
    expect(r).toMatchObject({
      alias: 'local-llama3.2',
      provider: 'ollama',
      model: 'llama3.2:latest',
      endpoint: 'http://127.0.0.1:11434',
      local: true,
    });
    expect(r.embedding).toBeUndefined();
  });

  it('keeps explicit capabilities and strips /api from Ollama endpoints', () => {
    const r = ModelConfigFactory.createOllamaConfig('x', {
      capabilities: ['RESEARCH'],
      endpoint: 'http://10.0.0.5:11434/api/',
      contextLength: 8192,
      tier: 'LARGE',
    });
    expect(r).toMatchObject({
      capabilities: ['RESEARCH'],
      endpoint: 'http://10.0.0.5:11434',
      contextLength: 8192,
      tier: 'LARGE',
      local: true,
    });
  });

  it('marks a public host as not local unless trusted', () => {
    expect(ModelConfigFactory.createOllamaConfig('m', { endpoint: 'http://gpu.example.com:11434' }).local).toBe(false);
    expect(
      ModelConfigFactory.createOllamaConfig('m', {
        endpoint: 'http://gpu.example.com:11434',
        trustedHosts: ['gpu.example.com'],
      }).local,
    ).toBe(true);
  });

  it('gives OpenAI-style servers a /v1 endpoint', () => {
    expect(ModelConfigFactory.createLMStudioConfig('qwen').endpoint).toBe('http://127.0.0.1:1234/v1');
    expect(ModelConfigFactory.createLocalAIConfig('m', { endpoint: 'http://127.0.0.1:9090' }).endpoint).toBe(
      'http://127.0.0.1:9090/v1',
    );
    expect(
      ModelConfigFactory.createOpenAICompatibleConfig('m', { endpoint: 'http://127.0.0.1:8000/v1/' }).endpoint,
    ).toBe('http://127.0.0.1:8000/v1');
    expect(() => ModelConfigFactory.createOpenAICompatibleConfig('m', { endpoint: '' })).toThrow(ValidationError);
    expect(() => ModelConfigFactory.createOllamaConfig('m', { endpoint: 'not a url' })).toThrow(/not a valid URL/);
    expect(() => ModelConfigFactory.createOllamaConfig('m', { endpoint: 'ftp://x/' })).toThrow(/http or https/);
  });

  it('creates embedded and external refs', () => {
    const g = ModelConfigFactory.createLlamaCppConfig('/models/nomic-embed-text-v1.5.Q4_K_M.gguf');
    expect(g).toMatchObject({ provider: 'llama-cpp', local: true, embedding: true, capabilities: [] });
    expect(g.endpoint).toBeUndefined();
    expect(() => ModelConfigFactory.createLlamaCppConfig('/models/x.bin')).toThrow(/gguf/);
    const e = ModelConfigFactory.createExternalConfig('anthropic', 'claude-sonnet-4');
    expect(e).toMatchObject({ alias: 'anthropic-claude-sonnet-4', local: false, tier: 'LARGE' });
    expect(ModelConfigFactory.createExternalConfig('perplexity', 'sonar').capabilities).toEqual([
      'GENERAL',
      'RESEARCH',
    ]);
    expect(() => ModelConfigFactory.createExternalConfig('ollama', 'x')).toThrow(/not an external provider/);
  });

  it('turns a ref into a registry entry', () => {
    const r = ModelConfigFactory.createOllamaConfig('nomic-embed-text');
    expect(ModelConfigFactory.toEntry(r)).toEqual({
      provider: 'ollama',
      model: 'nomic-embed-text',
      endpoint: 'http://127.0.0.1:11434',
      capabilities: [],
      tier: 'MEDIUM',
      embedding: true,
    });
  });
});
