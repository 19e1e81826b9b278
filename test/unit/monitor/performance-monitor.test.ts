import { describe, expect, it } from 'vitest';
import { percentile } from '../../../src/diagnostics/math.js';
import { CachedPerformanceMonitor, combineStats } from '../../../src/monitor/performance-monitor.js';
import { privacyReport } from '../../../src/monitor/privacy.js';
import { insertMetric, memDb } from '../recovery/helpers.js';
import { MetricsRepo } from '../../../src/storage/metrics-repo.js';

describe('math', () => {
  it('nearest-rank percentile', () => {
    expect(percentile([], 95)).toBeUndefined();
    expect(percentile([5], 95)).toBe(5);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(95);
    expect(percentile([3, 1, 2], 50)).toBe(2);
  });
});

describe('CachedPerformanceMonitor', () => {
  it('sessions store duration, outcome and custom metrics', async () => {
    const db = memDb();
    const mon = new CachedPerformanceMonitor(db);
    const s = mon.monitoredOperation('prd', 'plan');
    s.addMetric('chunks', 4, 'count');
    s.addMetric('chunks', 6, 'count');
    s.end();
    await expect(
      mon.run('prd', 'write', async () => {
        throw new Error('disk');
      }),
    ).rejects.toThrow('disk');
    const prd = mon.getCombinedStats().components.find((c) => c.component === 'prd')!;
    expect(prd.operations).toBe(2);
    expect(prd.operation_failures).toBe(1);
    expect(prd.metrics).toEqual([{ name: 'chunks', unit: 'count', count: 2, sum: 10, avg: 5 }]);
  });

  it('combines model-call metrics: avg/p95 over live calls, cache hit rate, tokens', () => {
    const db = memDb();
    for (const d of [100, 200, 300, 400])
      insertMetric(db, { component: 'prd', durationMs: d, promptTokens: 10, completionTokens: 2 });
    insertMetric(db, { component: 'prd', durationMs: 1, cached: true, promptTokens: 10, completionTokens: 2 });
    insertMetric(db, { component: 'research', operation: 'embed', durationMs: 50, ok: false });
    const st = new CachedPerformanceMonitor(db).getCombinedStats();
    expect(st.components.find((c) => c.component === 'prd')).toMatchObject({
      calls: 5,
      failed_calls: 0,
      avg_ms: 250,
      p95_ms: 400,
      cache_hit_rate: 0.2,
      prompt_tokens: 50,
      completion_tokens: 10,
    });
    expect(st.components.find((c) => c.component === 'research')).toMatchObject({ calls: 1, failed_calls: 1 });
    expect(st.totals).toMatchObject({ calls: 6, prompt_tokens: 60 });
  });

  it('combineStats with nothing recorded', () => {
    expect(combineStats([], [], [])).toEqual({
      components: [],
      totals: { calls: 0, prompt_tokens: 0, cached_prompt_tokens: 0, completion_tokens: 0, cache_hit_rate: null },
    });
  });

  it('reports the prompt tokens the model server took from its KV cache, per component and in total', () => {
    const db = memDb();
    const repo = new MetricsRepo(db);
    const call = { operation: 'object', provider: 'ollama', host: '127.0.0.1', local: true, model: 'm' } as const;
    repo.record({
      ...call,
      component: 'prd',
      promptTokens: 900,
      cachedPromptTokens: 0,
      completionTokens: 300,
      durationMs: 5,
      cached: false,
      ok: true,
    });
    repo.record({
      ...call,
      component: 'prd',
      promptTokens: 1000,
      cachedPromptTokens: 850,
      completionTokens: 200,
      durationMs: 5,
      cached: false,
      ok: true,
    });
    repo.record({
      ...call,
      component: 'research',
      promptTokens: 50,
      completionTokens: 5,
      durationMs: 5,
      cached: false,
      ok: true,
    });
    const st = new CachedPerformanceMonitor(db).getCombinedStats();
    expect(st.components.find((c) => c.component === 'prd')).toMatchObject({
      prompt_tokens: 1900,
      cached_prompt_tokens: 850,
    });
    expect(st.components.find((c) => c.component === 'research')).toMatchObject({ cached_prompt_tokens: 0 });
    expect(st.totals).toMatchObject({ prompt_tokens: 1950, cached_prompt_tokens: 850 });
    expect(repo.list({ component: 'prd' }).map((r) => r.cachedPromptTokens)).toEqual([0, 850]);
  });
});

describe('privacy report', () => {
  it('groups calls by host; cached answers and refused calls are not external calls', () => {
    const db = memDb();
    insertMetric(db, { host: '127.0.0.1' });
    insertMetric(db, { host: '127.0.0.1', cached: true });
    insertMetric(db, {
      host: 'api.anthropic.com',
      local: false,
      provider: 'anthropic',
      ok: false,
      errorCode: 'PRIVACY_REFUSED',
    });
    insertMetric(db, { host: 'api.openai.com', local: false, provider: 'openai' });
    insertMetric(db, { host: 'api.openai.com', local: false, provider: 'openai', cached: true });
    const r = privacyReport(db, 'HYBRID');
    expect(r).toMatchObject({ mode: 'HYBRID', total_calls: 5, local_calls: 2, external_calls: 1, refused_external: 1 });
    expect(r.hosts.find((h) => h.host === '127.0.0.1')).toMatchObject({ local: true, calls: 2, cached: 1 });
    expect(r.hosts.find((h) => h.host === 'api.anthropic.com')).toMatchObject({
      local: false,
      refused: 1,
      providers: ['anthropic'],
    });
  });
});
