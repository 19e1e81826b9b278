import { describe, expect, it } from 'vitest';
import { route, type RouteInput } from '../../../src/models/routing.js';
import { TASK_TYPES, type ModelRef } from '../../../src/models/types.js';

const ref = (alias: string, o: Partial<ModelRef> = {}): ModelRef => ({
  alias,
  provider: 'ollama',
  model: alias,
  endpoint: 'http://127.0.0.1:11434',
  capabilities: [...TASK_TYPES],
  local: true,
  ...o,
});
const ext = (alias: string, o: Partial<ModelRef> = {}) =>
  ref(alias, { provider: 'openai', endpoint: 'https://api.openai.com/v1', local: false, ...o });

const base = (o: Partial<RouteInput> = {}): RouteInput => ({
  task: { type: 'GENERAL' },
  privacy: { mode: 'HYBRID', modeSource: 'default' },
  roles: {},
  models: [],
  ...o,
});
const aliases = (i: RouteInput) => route(i).candidates.map((c) => c.alias);

describe('route', () => {
  it('puts the main role first, then fallback, then other discovered chat models', () => {
    const main = ref('main');
    const fb = ref('fb');
    expect(
      aliases(base({ roles: { main, fallback: fb, research: ref('res') }, models: [ref('other'), main] })),
    ).toEqual(['main', 'fb', 'other']);
  });

  it('sends RESEARCH to the research role first, then main', () => {
    const r = base({
      task: { type: 'RESEARCH' },
      roles: { main: ref('main'), research: ref('res'), fallback: ref('fb') },
    });
    expect(aliases(r)).toEqual(['res', 'main', 'fb']);
  });

  it('never offers embedding models for chat', () => {
    const r = route(base({ models: [ref('emb', { embedding: true }), ref('chat')] }));
    expect(r.candidates.map((c) => c.alias)).toEqual(['chat']);
    expect(r.excluded).toContainEqual({ alias: 'emb', reason: 'embedding model (not for chat)' });
  });

  it('LOCAL_ONLY drops external models and says which setting caused it', () => {
    const r = route(
      base({
        privacy: { mode: 'LOCAL_ONLY', modeSource: 'env TASKMASTER_LOCAL_LLM=true' },
        roles: { main: ext('gpt') },
        models: [ref('llama')],
      }),
    );
    expect(r.candidates.map((c) => c.alias)).toEqual(['llama']);
    expect(r.excluded[0]!.reason).toContain('env TASKMASTER_LOCAL_LLM=true');
  });

  it('EXTERNAL_ONLY drops local models', () => {
    expect(
      aliases(base({ privacy: { mode: 'EXTERNAL_ONLY' }, roles: { main: ref('llama'), fallback: ext('gpt') } })),
    ).toEqual(['gpt']);
  });

  it('LOCAL_PREFERRED orders local before external; EXTERNAL_PREFERRED the reverse; HYBRID keeps config order', () => {
    const roles = { main: ext('gpt'), fallback: ref('llama') };
    expect(aliases(base({ privacy: { mode: 'LOCAL_PREFERRED' }, roles }))).toEqual(['llama', 'gpt']);
    expect(
      aliases(base({ privacy: { mode: 'EXTERNAL_PREFERRED' }, roles: { main: ref('llama'), fallback: ext('gpt') } })),
    ).toEqual(['gpt', 'llama']);
    expect(aliases(base({ privacy: { mode: 'HYBRID' }, roles }))).toEqual(['gpt', 'llama']);
  });

  it('prefers LARGE models for complexity >= 8 and demotes SMALL ones above 3', () => {
    const roles = { main: ref('small', { tier: 'SMALL' }) };
    const models = [ref('medium', { tier: 'MEDIUM' }), ref('large', { tier: 'LARGE' })];
    expect(aliases(base({ task: { type: 'GENERAL', complexity: 9 }, roles, models }))).toEqual([
      'large',
      'medium',
      'small',
    ]);
    expect(aliases(base({ task: { type: 'GENERAL', complexity: 5 }, roles, models }))).toEqual([
      'medium',
      'large',
      'small',
    ]);
    expect(aliases(base({ task: { type: 'GENERAL', complexity: 2 }, roles, models }))).toEqual([
      'small',
      'medium',
      'large',
    ]);
  });

  it('skips discovered models without the capability, but keeps configured roles', () => {
    const coder = ref('coder', { capabilities: ['CODE_GENERATION'] });
    const r = route(
      base({
        task: { type: 'RESEARCH' },
        roles: { main: ref('main', { capabilities: ['GENERAL'] }) },
        models: [coder],
      }),
    );
    expect(r.candidates.map((c) => c.alias)).toEqual(['main']);
    expect(r.excluded).toContainEqual({ alias: 'coder', reason: 'no RESEARCH capability' });
  });

  it('puts a preferred model first and keeps it alone when strict', () => {
    const roles = { main: ref('main'), fallback: ref('fb') };
    expect(aliases(base({ task: { type: 'GENERAL', preferred: ref('pick') }, roles }))).toEqual(['pick', 'main', 'fb']);
    expect(aliases(base({ task: { type: 'GENERAL', preferred: ref('pick'), strict: true }, roles }))).toEqual(['pick']);
  });

  it('dedupes the same model on the same server across roles and discovery', () => {
    const a = ref('main', { model: 'llama3.2:latest' });
    const b = ref('local-llama3.2', { model: 'llama3.2:latest' });
    expect(aliases(base({ roles: { main: a, fallback: a }, models: [b] }))).toEqual(['main']);
  });

  it('lets a rank hook reorder candidates but ignores one that drops or invents models', () => {
    const roles = { main: ref('a'), fallback: ref('b') };
    const models = [ref('c')];
    expect(aliases(base({ roles, models, rank: (_t, c) => [...c].reverse() }))).toEqual(['c', 'b', 'a']);
    expect(aliases(base({ roles, models, rank: (_t, c) => c.slice(1) }))).toEqual(['a', 'b', 'c']);
    expect(aliases(base({ roles, models, rank: (_t, c) => [c[0]!, c[0]!, c[1]!] }))).toEqual(['a', 'b', 'c']);
  });
});
