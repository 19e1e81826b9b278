import { describe, expect, it } from 'vitest';
import { ModelConfigFactory, ModelProvider, ModelTier, TaskType } from '../../../src/index.js';
import { normalizeProvider } from '../../../src/config/vocabulary.js';
import { route } from '../../../src/models/routing.js';

describe('the specification enums in the library', () => {
  it('ModelProvider values are our provider kinds; every spelling maps through one table', () => {
    expect(ModelProvider.LM_STUDIO).toBe('lmstudio');
    expect(ModelProvider.LOCAL_AI).toBe('localai');
    expect(ModelProvider.OLLAMA).toBe('ollama');
    expect(
      ['LM_STUDIO', 'lm-studio', 'lmstudio', 'LOCAL_AI', 'Ollama', 'llama.cpp', 'PERPLEXITY'].map(normalizeProvider),
    ).toEqual(['lmstudio', 'lmstudio', 'lmstudio', 'localai', 'ollama', 'llama-cpp', 'perplexity']);
    expect(normalizeProvider('gemini')).toBeUndefined();
  });

  it('a SPECIALIZED model is tried last by automatic routing, first where a role names it', () => {
    const special = ModelConfigFactory.create(ModelProvider.OLLAMA, 'custom-llama', {
      alias: 'special',
      capabilities: [TaskType.GENERAL, TaskType.SPECIALIZED],
      tier: ModelTier.SPECIALIZED,
    });
    const plain = ModelConfigFactory.create(ModelProvider.OLLAMA, 'llama3.2', { alias: 'plain' });
    const privacy = { mode: 'LOCAL_ONLY' as const };
    const task = { type: TaskType.GENERAL, complexity: 5 };
    const auto = route({ task, roles: {}, privacy, models: [special, plain] });
    expect(auto.candidates.map((r) => r.alias)).toEqual(['plain', 'special']);
    const named = route({ task, roles: { main: special }, privacy, models: [plain] });
    expect(named.candidates.map((r) => r.alias)).toEqual(['special', 'plain']);
  });
});
