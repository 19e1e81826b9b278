import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { CachedPerformanceMonitor } from '../../../src/monitor/performance-monitor.js';
import { pullModel, type PullProgress } from '../../../src/recovery/pull.js';
import { FailureRecoverySystem } from '../../../src/recovery/system.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { tempProject } from '../../support/cli.js';
import { memDb } from '../../unit/recovery/helpers.js';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer({ models: [{ name: 'llama3.2:latest' }, { name: 'qwen3:8b', pulled: false }] });
});
afterAll(() => fake.close());

describe('pullModel against the fake Ollama', () => {
  it('streams progress to success, after which the model is listed', async () => {
    const seen: PullProgress[] = [];
    await pullModel(fake.url, 'qwen3:8b', { onProgress: (p) => seen.push(p) });
    expect(seen[0]!.status).toBe('pulling manifest');
    expect(seen.at(-1)!.status).toBe('success');
    expect(seen.some((p) => typeof p.total === 'number' && typeof p.completed === 'number')).toBe(true);
    const tags = (await (await fetch(`${fake.url}/api/tags`)).json()) as { models: { name: string }[] };
    expect(tags.models.map((m) => m.name)).toContain('qwen3:8b');
  });
  it('an unknown model fails with the error from inside the 200 stream', async () => {
    await expect(pullModel(fake.url, 'no-such-model:1b')).rejects.toThrow(
      /pull of no-such-model:1b failed: .*file does not exist/,
    );
  });
  it('an unreachable server is a PROVIDER_UNREACHABLE error with the start hint', async () => {
    await expect(pullModel('http://127.0.0.1:1', 'x')).rejects.toMatchObject({
      code: 'PROVIDER_UNREACHABLE',
      hint: expect.stringContaining('ollama serve'),
    });
  });
});

describe('on-demand strategies', () => {
  it('raise_timeout loads the model once: the cause of a timeout is cleared, the timed-out call is not recovered', async () => {
    const config = loadConfig({ cwd: tempProject(), env: { OLLAMA_HOST: fake.url } });
    const db = memDb();
    const sys = new FailureRecoverySystem({ db, config });
    const f = sys.reportFailure(Object.assign(new Error('timed out waiting for the model'), { code: 'TIMEOUT' }), {
      component: 'prd',
      operation: 'object',
      provider: 'ollama',
      endpoint: fake.url,
      model: 'llama3.2:latest',
    });
    const [out] = await sys.recover();
    expect(out!.result).toMatchObject({ strategy: 'raise_timeout', outcome: 'success' });
    expect(sys.get(f.id)!.status).toBe('cause_cleared');
    expect(sys.status()).toMatchObject({ recovered: 0, cause_cleared: 1, recovery_rate: 0 });
    expect(
      fake.requests.some((q) => q.path === '/api/generate' && (q.body as { keep_alive?: string }).keep_alive === '10m'),
    ).toBe(true);
    // The run was a monitored operation of the 'recovery' component.
    const rec = new CachedPerformanceMonitor(db).getCombinedStats().components.find((c) => c.component === 'recovery');
    expect(rec).toMatchObject({ operations: 1, operation_failures: 0 });
    expect(rec!.metrics).toEqual([{ name: 'cause_cleared', unit: 'bool', count: 1, sum: 1, avg: 1 }]);
  });
  it('an unknown failure without a model keeps the "unknown" diagnosis; its server answering clears the cause only', async () => {
    const config = loadConfig({ cwd: tempProject(), env: { OLLAMA_HOST: fake.url } });
    const sys = new FailureRecoverySystem({ db: memDb(), config });
    sys.reportFailure(new Error('something nobody has seen'), {
      component: 'x',
      operation: 'y',
      provider: 'ollama',
      endpoint: fake.url,
    });
    const [out] = await sys.recover();
    expect(out!.failure.diagnosis).toMatchObject({ source: 'unknown', probableCause: 'unknown' });
    expect(out!.result).toMatchObject({ strategy: 'retry', outcome: 'success' });
    expect(out!.failure.status).toBe('cause_cleared');
  });
});
