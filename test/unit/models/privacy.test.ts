import { describe, expect, it } from 'vitest';
import { assertAllowed, isRefLocal, modeAllows } from '../../../src/models/privacy.js';
import type { ModelRef } from '../../../src/models/types.js';

const ref = (o: Partial<ModelRef>): ModelRef => ({
  alias: 'a',
  provider: 'ollama',
  model: 'm',
  capabilities: [],
  local: true,
  endpoint: 'http://127.0.0.1:11434',
  ...o,
});

describe('privacy guard', () => {
  it('refuses a non-local ref in LOCAL_ONLY naming the setting', () => {
    const r = ref({ provider: 'openai', endpoint: 'https://api.openai.com/v1', local: false });
    try {
      assertAllowed(r, { mode: 'LOCAL_ONLY', modeSource: 'env TASKMASTER_LOCAL_LLM=true' });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'PRIVACY_REFUSED' });
      expect((e as Error).message).toContain('env TASKMASTER_LOCAL_LLM=true');
    }
  });

  it('says "default" when nothing set the mode', () => {
    expect(() => assertAllowed(ref({ local: false }), { mode: 'LOCAL_ONLY' })).toThrow(/set by default/);
  });

  it('does not trust a local:true flag on a remote endpoint', () => {
    const r = ref({ endpoint: 'http://203.0.113.9:11434', local: true });
    expect(isRefLocal(r)).toBe(false);
    expect(() => assertAllowed(r, { mode: 'LOCAL_ONLY' })).toThrow(
      expect.objectContaining({ code: 'PRIVACY_REFUSED' }),
    );
  });

  it('trusted hosts count as local; the embedded provider always does', () => {
    expect(isRefLocal(ref({ endpoint: 'http://gpu-box:11434' }), ['gpu-box'])).toBe(true);
    expect(isRefLocal(ref({ provider: 'llama-cpp', endpoint: undefined }))).toBe(true);
  });

  it('modeAllows mirrors the modes', () => {
    const local = ref({});
    const remote = ref({ provider: 'anthropic', endpoint: undefined, local: false });
    expect([modeAllows(local, { mode: 'LOCAL_ONLY' }), modeAllows(remote, { mode: 'LOCAL_ONLY' })]).toEqual([
      true,
      false,
    ]);
    expect([modeAllows(local, { mode: 'EXTERNAL_ONLY' }), modeAllows(remote, { mode: 'EXTERNAL_ONLY' })]).toEqual([
      false,
      true,
    ]);
    expect([modeAllows(local, { mode: 'HYBRID' }), modeAllows(remote, { mode: 'HYBRID' })]).toEqual([true, true]);
  });
});

describe('privacy by provider kind', () => {
  it('an external kind on a loopback port is not local, and the refusal names the role, the kind and the setting', () => {
    for (const provider of ['openai', 'anthropic', 'perplexity'] as const) {
      const r = ref({ provider, endpoint: 'http://127.0.0.1:4000/v1', local: true, role: 'main', alias: 'gpt-4o' });
      expect(isRefLocal(r)).toBe(false);
      expect(modeAllows(r, { mode: 'LOCAL_ONLY' })).toBe(false);
      expect(() => assertAllowed(r, { mode: 'LOCAL_ONLY', modeSource: 'config local.mode' })).toThrow(
        new RegExp(
          `role main \\(gpt-4o\\) uses provider ${provider}.*LOCAL_ONLY \\(set by config local\\.mode\\).*external service kind`,
        ),
      );
    }
  });

  it('every local server kind on a loopback host is local; a trusted host too', () => {
    for (const provider of ['ollama', 'lmstudio', 'localai', 'openai-compatible'] as const) {
      expect(isRefLocal(ref({ provider, endpoint: 'http://127.0.0.1:8000/v1' }))).toBe(true);
      expect(isRefLocal(ref({ provider, endpoint: 'http://gpu-box:8000/v1' }), ['gpu-box'])).toBe(true);
    }
    // A trusted host never makes an external kind local.
    expect(isRefLocal(ref({ provider: 'openai', endpoint: 'http://gpu-box:8000/v1' }), ['gpu-box'])).toBe(false);
  });
});
