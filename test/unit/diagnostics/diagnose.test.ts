import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AppError } from '../../../src/errors.js';
import type { ModelAPI } from '../../../src/models/types.js';
import { classifyFailure } from '../../../src/diagnostics/classify.js';
import { diagnose, diagnoseByRules, unreachableHint } from '../../../src/diagnostics/diagnose.js';

const ctx = {
  component: 'prd',
  operation: 'object',
  provider: 'ollama',
  endpoint: 'http://127.0.0.1:11434',
  model: 'llama3.2',
};
const refused = Object.assign(new TypeError('fetch failed'), {
  cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:11434'), { code: 'ECONNREFUSED' }),
});

describe('diagnosis rules', () => {
  it('server not running → the start command', () => {
    const d = diagnoseByRules(classifyFailure(refused, ctx))!;
    expect(d.fix).toBe('Ollama is not reachable at http://127.0.0.1:11434 — start it with `ollama serve`');
    expect(d.source).toBe('rule');
  });
  it('404 → pull command', () => {
    const d = diagnoseByRules(
      classifyFailure(Object.assign(new Error("model 'llama3.2' not found"), { status: 404 }), ctx),
    )!;
    expect(d.fix).toContain('ollama pull llama3.2');
    expect(d.recommendedStrategy).toBe('pull_model');
  });
  it('::1 → use 127.0.0.1', () => {
    const err = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED ::1:11434'), { code: 'ECONNREFUSED' }),
    });
    const d = diagnoseByRules(classifyFailure(err, { ...ctx, endpoint: 'http://localhost:11434' }))!;
    expect(d.fix).toContain('http://127.0.0.1:11434');
  });
  it('memory → smaller model or quantization; LM Studio → lms load; truncation → num_ctx', () => {
    expect(
      diagnoseByRules(
        classifyFailure(new Error('model requires more system memory (9 GiB) than is available (4 GiB)'), ctx),
      )!.fix,
    ).toMatch(/smaller model|quantization/);
    expect(
      diagnoseByRules(classifyFailure(new Error('No models loaded.'), { ...ctx, provider: 'lmstudio' }))!.fix,
    ).toContain('lms load');
    expect(diagnoseByRules(classifyFailure(new Error('context truncated at 2048 tokens'), ctx))!.fix).toMatch(
      /num_ctx|chunk/,
    );
  });
  it('LM Studio unreachable names its own start command', () => {
    expect(unreachableHint('lmstudio', 'http://127.0.0.1:1234/v1')).toBe(
      'LM Studio is not reachable at http://127.0.0.1:1234/v1 — start it with `lms server start`',
    );
  });
});

function fakeApi(answer: unknown | Error): ModelAPI & { asked: number } {
  const api = {
    asked: 0,
    async generateObject<T>(_t: unknown, schema: z.ZodType<T>) {
      api.asked++;
      if (answer instanceof Error) throw answer;
      const value = schema.parse(answer);
      return {
        value,
        model: { alias: 'm', provider: 'ollama', model: 'm', capabilities: [], local: true },
        usage: { promptTokens: 1, completionTokens: 1 },
        durationMs: 1,
        cached: false,
        attempts: [],
      };
    },
    async generateText() {
      throw new Error('unused');
    },
    async embed() {
      throw new Error('unused');
    },
    async resolve() {
      return undefined;
    },
  };
  return api as never;
}

describe('diagnose with a model for unknown failures', () => {
  const unknown = classifyFailure(new Error('weird thing happened'), ctx);
  it('uses the structured model answer', async () => {
    const api = fakeApi({
      probable_cause: 'a plugin crashed',
      evidence: ['weird thing'],
      recommended_strategy: 'retry',
    });
    const d = await diagnose(unknown, api);
    expect(d).toMatchObject({ source: 'model', probableCause: 'a plugin crashed', recommendedStrategy: 'retry' });
  });
  it('falls back to unknown without a model or when the model fails', async () => {
    expect((await diagnose(unknown)).source).toBe('unknown');
    expect((await diagnose(unknown, fakeApi(new AppError('NO_MODEL_AVAILABLE', 'none')))).probableCause).toBe(
      'unknown',
    );
  });
  it('does not ask the model when a rule knows the failure', async () => {
    const api = fakeApi(new Error('should not be called'));
    await diagnose(classifyFailure(refused, ctx), api);
    expect(api.asked).toBe(0);
  });
});
