import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ModelConfigurationManager, parseMode, roleConfigFor } from '../../../src/models/config-manager.js';
import { ModelConfigFactory } from '../../../src/models/config-factory.js';

// What `task-master init -y` writes (reference/task-master-fixtures/config.init.json), trimmed.
const INIT = {
  models: {
    main: { provider: 'anthropic', modelId: 'claude-sonnet-4-20250514', maxTokens: 64000, temperature: 0.2 },
    research: { provider: 'perplexity', modelId: 'sonar', maxTokens: 8700, temperature: 0.1 },
  },
  global: { logLevel: 'info', ollamaBaseURL: 'http://localhost:11434/api', userId: '1234567890' },
  grokCli: { timeout: 120000, workingDirectory: null, defaultModel: 'grok-4-latest' },
};

let path: string;
let mgr: ModelConfigurationManager;
const read = () => JSON.parse(readFileSync(path, 'utf8'));
const write = (v: unknown) => writeFileSync(path, typeof v === 'string' ? v : JSON.stringify(v, null, 2));

beforeEach(() => {
  path = join(mkdtempSync(join(tmpdir(), 'tml-mgr-')), '.taskmaster', 'config.json');
  mkdirSync(dirname(path), { recursive: true });
  mgr = new ModelConfigurationManager(path);
});

describe('setRole', () => {
  it('writes task-master’s exact Ollama shape, inheriting maxTokens/temperature, keeping other keys', () => {
    write(INIT);
    const ref = ModelConfigFactory.createOllamaConfig('llama3.2:latest', { endpoint: 'http://127.0.0.1:11999' });
    mgr.setRole('research', ref);
    const c = read();
    expect(c.models.research).toEqual({
      provider: 'ollama',
      modelId: 'llama3.2:latest',
      maxTokens: 8700,
      temperature: 0.1,
      baseURL: 'http://127.0.0.1:11999/api',
    });
    expect(c.models.main).toEqual(INIT.models.main);
    expect(c.global).toEqual(INIT.global);
    expect(c.grokCli).toEqual(INIT.grokCli);
  });

  it('uses defaults 8192/0.2 for a new role and creates the file when absent', () => {
    expect(existsSync(path)).toBe(false);
    mgr.setRole('fallback', ModelConfigFactory.createLMStudioConfig('qwen2.5-7b-instruct'));
    expect(read().models.fallback).toEqual({
      provider: 'lmstudio',
      modelId: 'qwen2.5-7b-instruct',
      maxTokens: 8192,
      temperature: 0.2,
      baseURL: 'http://127.0.0.1:1234/v1',
    });
  });

  it('maps LocalAI to openai-compatible and drops a stale baseURL for external providers', () => {
    expect(roleConfigFor(ModelConfigFactory.createLocalAIConfig('phi-3')).provider).toBe('openai-compatible');
    const prev = { provider: 'ollama', modelId: 'x', maxTokens: 100, temperature: 0.5, baseURL: 'http://h/api' };
    expect(roleConfigFor(ModelConfigFactory.createExternalConfig('anthropic', 'claude-x'), prev)).toEqual({
      provider: 'anthropic',
      modelId: 'claude-x',
      maxTokens: 100,
      temperature: 0.5,
    });
  });

  it('refuses an embedding model and writes nothing', () => {
    write(INIT);
    const before = readFileSync(path, 'utf8');
    expect(() => mgr.setRole('main', ModelConfigFactory.createOllamaConfig('nomic-embed-text'))).toThrow(
      /embedding model/,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('writes nothing when the file on disk is invalid', () => {
    write({ models: { research: { provider: 'ollama' } } });
    const before = readFileSync(path, 'utf8');
    expect(() => mgr.setRole('main', ModelConfigFactory.createOllamaConfig('llama3.2'))).toThrow(
      /models\.research\.modelId/,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});

describe('setMode', () => {
  it('normalises names and rejects unknown ones listing the valid modes', () => {
    expect(parseMode('local-only')).toBe('LOCAL_ONLY');
    expect(() => parseMode('CLOUD')).toThrow(/unknown mode 'CLOUD'/);
    try {
      parseMode('CLOUD');
    } catch (e) {
      expect((e as { hint: string }).hint).toContain('HYBRID');
    }
    write(INIT);
    mgr.setMode('hybrid');
    expect(read().local.mode).toBe('HYBRID');
    expect(read().global).toEqual(INIT.global);
  });
});

describe('aliases', () => {
  it('adds, replaces and removes registry entries', () => {
    write(INIT);
    const r = mgr.addAlias('local-coder', {
      provider: 'ollama',
      model: 'qwen2.5-coder:7b',
      endpoint: 'http://127.0.0.1:11434/api',
      capabilities: ['code_generation', 'analysis'],
    });
    expect(r.replaced).toBe(false);
    expect(read().local.registry['local-coder']).toEqual({
      provider: 'ollama',
      model: 'qwen2.5-coder:7b',
      endpoint: 'http://127.0.0.1:11434',
      capabilities: ['CODE_GENERATION', 'ANALYSIS'],
      tier: 'MEDIUM',
    });
    expect(mgr.addAlias('local-coder', { provider: 'lmstudio', model: 'm' }).replaced).toBe(true);
    mgr.addAlias('emb', { provider: 'ollama', model: 'all-the-vectors', capabilities: ['embedding'] });
    expect(read().local.registry.emb.embedding).toBe(true);
    mgr.removeAlias('local-coder');
    expect(Object.keys(read().local.registry)).toEqual(['emb']);
    expect(() => mgr.removeAlias('nope')).toThrow(/no alias 'nope'/);
  });

  it('names a bad provider, capability or endpoint and writes nothing', () => {
    write(INIT);
    const before = readFileSync(path, 'utf8');
    expect(() => mgr.addAlias('a', { provider: 'olama', model: 'm' })).toThrow(/unknown provider 'olama'/);
    expect(() => mgr.addAlias('a', { provider: 'ollama', model: 'm', capabilities: ['poetry'] })).toThrow(
      /unknown capability 'poetry'/,
    );
    expect(() => mgr.addAlias('a', { provider: 'ollama', model: 'm', endpoint: 'localhost:11434' })).toThrow(
      /http or https|valid URL/,
    );
    expect(() => mgr.addAlias('bad alias', { provider: 'ollama', model: 'm' })).toThrow(/invalid alias/);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});

describe('export and import', () => {
  const SECRETS = {
    ...INIT,
    global: { ...INIT.global, apiKey: 'abc123', azureBaseURL: 'https://user:hunter2@azure.example.com/x?api_key=zzz' },
    custom: { headers: { Authorization: 'Bearer s3cr3t' }, note: 'sk-proj-ABCDEFGHIJKL', password: 'pw' },
  };

  it('redacts keys, auth values and URL passwords, but keeps maxTokens', () => {
    write(SECRETS);
    const out = mgr.exportConfig();
    for (const s of ['abc123', 'hunter2', 'zzz', 's3cr3t', 'sk-proj-ABCDEFGHIJKL', '"pw"'])
      expect(out).not.toContain(s);
    const j = JSON.parse(out);
    expect(j.global.apiKey).toBe('[REDACTED]');
    expect(j.custom.headers.Authorization).toBe('[REDACTED]');
    expect(j.custom.note).toBe('[REDACTED]');
    expect(j.global.azureBaseURL).toBe('https://user:[REDACTED]@azure.example.com/x?api_key=[REDACTED]');
    expect(j.models.main.maxTokens).toBe(64000);
    expect(j.global.userId).toBe('1234567890');
  });

  it('round-trips: importing an export keeps the real secrets on disk', () => {
    write(SECRETS);
    mgr.setMode('HYBRID');
    const exported = mgr.exportConfig();
    const before = read();
    mgr.importConfig(exported);
    expect(read()).toEqual(before);
  });

  it('imports into a fresh project, dropping placeholders that have nothing to restore', () => {
    write(SECRETS);
    const exported = mgr.exportConfig();
    const other = new ModelConfigurationManager(join(mkdtempSync(join(tmpdir(), 'tml-mgr2-')), 'config.json'));
    const written = other.importConfig(exported);
    expect((written.global as Record<string, unknown>).apiKey).toBeUndefined();
    expect(JSON.stringify(written)).not.toContain('[REDACTED]');
    expect((written.models as Record<string, unknown>).main).toEqual(INIT.models.main);
  });

  it('rejects bad imports by name and writes nothing', () => {
    write(INIT);
    const before = readFileSync(path, 'utf8');
    expect(() => mgr.importConfig('{"models": {,}}', 'x.json')).toThrow(/x\.json: invalid JSON at line 1, column/);
    expect(() => mgr.importConfig('[1]')).toThrow(/top level must be a JSON object/);
    expect(() => mgr.importConfig('{"local":{"mode":"CLOUDY"}}')).toThrow(/unknown mode 'CLOUDY'/);
    expect(() => mgr.importConfig('{"local":{"registry":{"a":{"provider":"gpt","model":"m"}}}}')).toThrow(
      /local\.registry\.a\.provider: unknown provider 'gpt'/,
    );
    expect(() => mgr.importConfig('{"models":{"main":{"provider":"ollama","modelId":""}}}')).toThrow(
      /models\.main\.modelId/,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});

describe('apply', () => {
  it('writes roles, mode and aliases in one go', () => {
    write(INIT);
    const ref = ModelConfigFactory.createOllamaConfig('llama3.2:latest');
    const r = mgr.apply({
      roles: { main: ref, fallback: ref },
      mode: 'local_preferred',
      addAlias: { alias: 'x', provider: 'lmstudio', model: 'm' },
    });
    expect(Object.keys(r.roles)).toEqual(['main', 'fallback']);
    const c = read();
    expect(c.models.main.modelId).toBe('llama3.2:latest');
    expect(c.models.main.maxTokens).toBe(64000);
    expect(c.models.fallback).toEqual({
      provider: 'ollama',
      modelId: 'llama3.2:latest',
      maxTokens: 8192,
      temperature: 0.2,
      baseURL: 'http://127.0.0.1:11434/api',
    });
    expect(c.models.research).toEqual(INIT.models.research);
    expect(c.local).toMatchObject({ mode: 'LOCAL_PREFERRED', registry: { x: { provider: 'lmstudio', model: 'm' } } });
  });

  it('writes nothing when any one change is invalid', () => {
    write(INIT);
    const before = readFileSync(path, 'utf8');
    const ref = ModelConfigFactory.createOllamaConfig('llama3.2:latest');
    expect(() => mgr.apply({ roles: { main: ref }, mode: 'SOMETIMES' })).toThrow(/unknown mode/);
    expect(() => mgr.apply({ roles: { main: ref }, removeAlias: 'ghost' })).toThrow(/no alias 'ghost'/);
    expect(() => mgr.apply({ mode: 'HYBRID', addAlias: { alias: 'y', provider: 'nope', model: 'm' } })).toThrow(
      /unknown provider/,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});
