import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/storage/db.js';
import { CacheRepo } from '../../../src/storage/cache-repo.js';
import { MetricsRepo } from '../../../src/storage/metrics-repo.js';

describe('CacheRepo', () => {
  it('stores, counts hits, replaces and deletes', () => {
    const db = openDatabase(':memory:');
    const c = new CacheRepo(db);
    expect(c.get('k')).toBeUndefined();
    c.put({ key: 'k', model: 'm', kind: 'object', value: '{"a":1}', promptTokens: 3, completionTokens: 4 });
    expect(c.get('k')).toMatchObject({ value: '{"a":1}', hits: 1, promptTokens: 3 });
    expect(c.get('k')!.hits).toBe(2);
    c.put({ key: 'k', model: 'm', kind: 'object', value: '{"a":2}', promptTokens: 1, completionTokens: 1 });
    expect(c.get('k')!.value).toBe('{"a":2}');
    expect(c.stats()).toEqual({ entries: 1, hits: 3 });
    c.delete('k');
    expect(c.get('k')).toBeUndefined();
    db.close();
  });
});

describe('MetricsRepo', () => {
  it('round-trips a call record and filters', () => {
    const db = openDatabase(':memory:');
    const m = new MetricsRepo(db);
    m.record({
      component: 'prd',
      operation: 'object',
      provider: 'ollama',
      host: '127.0.0.1',
      local: true,
      model: 'llama3.2:latest',
      taskType: 'PLANNING',
      promptId: 'parse-prd@v1',
      promptTokens: 10,
      completionTokens: 20,
      durationMs: 5.5,
      cached: false,
      ok: true,
      runId: 'r1',
    });
    m.record({
      component: 'research',
      operation: 'embed',
      provider: 'ollama',
      host: '127.0.0.1',
      local: true,
      model: 'nomic',
      promptTokens: 1,
      completionTokens: 0,
      durationMs: 1,
      cached: true,
      ok: false,
      errorCode: 'TIMEOUT',
    });
    const all = m.list();
    expect(all).toHaveLength(2);
    expect(all[0]).toMatchObject({
      component: 'prd',
      local: true,
      taskType: 'PLANNING',
      promptId: 'parse-prd@v1',
      cached: false,
      ok: true,
      runId: 'r1',
    });
    expect(all[1]).toMatchObject({ cached: true, ok: false, errorCode: 'TIMEOUT' });
    expect(m.list({ runId: 'r1' })).toHaveLength(1);
    expect(m.list({ component: 'research' })[0]!.model).toBe('nomic');
    db.close();
  });
});
