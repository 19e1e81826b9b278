import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { ProviderError, ValidationError } from '../../../src/errors.js';
import type { RunResumer } from '../../../src/recovery/recover-run.js';
import { trackRun } from '../../../src/recovery/runs.js';
import { FailureRecoverySystem } from '../../../src/recovery/system.js';
import type { DB } from '../../../src/storage/db.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { memDb } from '../../unit/recovery/helpers.js';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer();
});
afterAll(() => fake.close());

const refused = (endpoint: string) =>
  new ProviderError('PROVIDER_UNREACHABLE', `cannot reach ${endpoint}`, {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    details: { endpoint },
    retryable: true,
  });

function setup(endpoint: string) {
  const config = loadConfig({ cwd: tempProject(), env: { OLLAMA_HOST: endpoint } });
  const db = memDb();
  const sys = new FailureRecoverySystem({ db, config });
  return { db, sys };
}

/** A job run as a use case runs it: its model failures carry its run id, and trackRun keeps it. */
async function job(db: DB, sys: FailureRecoverySystem, runId: string, ok: boolean, endpoint: string) {
  return trackRun(
    db,
    { job: 'parse-prd', identity: { prd: 'p' }, input: { prd: '# P' }, runId, resumed: ok },
    async () => {
      if (ok) return 'tasks written';
      sys.hooks().onFailure!({
        error: refused(endpoint),
        component: 'prd',
        operation: 'object',
        provider: 'ollama',
        endpoint,
        model: 'llama3.2:latest',
        atMs: Date.now(),
        runId,
      });
      throw refused(endpoint);
    },
  );
}

describe('recover --run counts only replayed successes', () => {
  it('a probe alone does not count: the server back up clears the cause, recovered stays 0', async () => {
    const { sys } = setup(fake.url);
    const f = sys.reportFailure(refused(fake.url), {
      component: 'research',
      operation: 'embed',
      provider: 'ollama',
      endpoint: fake.url,
    });
    const [out] = await sys.recover();
    expect(out!.result).toMatchObject({ strategy: 'retry', outcome: 'success' });
    expect(sys.get(f.id)!.status).toBe('cause_cleared');
    expect(sys.status()).toMatchObject({
      total_failures: 1,
      active_failures: 0,
      recovered: 0,
      cause_cleared: 1,
      recovery_rate: 0,
      mttr_ms: null,
    });
  });

  it('an interrupted run is resumed once its cause is gone; only then are its failures recovered', async () => {
    const { db, sys } = setup(fake.url);
    await job(db, sys, 'run-1', false, fake.url).catch(() => undefined);
    const calls: unknown[] = [];
    const resume: RunResumer = async (run) => {
      calls.push(run.input);
      await job(db, sys, 'run-2', true, fake.url);
      return { runId: 'run-2', detail: 'parse-prd resumed from its checkpoint' };
    };
    const outs = await sys.recover({ resume });
    expect(calls).toEqual([{ prd: '# P' }]);
    expect(outs).toMatchObject([
      {
        result: { strategy: 'resume', outcome: 'success', detail: 'parse-prd resumed from its checkpoint' },
        run: { job: 'parse-prd', status: 'resumed' },
        failure: { kind: 'server_unreachable', status: 'recovered' },
      },
    ]);
    const s = sys.status();
    expect(s).toMatchObject({ recovered: 1, cause_cleared: 0, recovery_rate: 1, recovered_by: { resume: 1 } });
    expect(s.mttr_ms).toBeGreaterThan(0);
    // the probe that let the resume go ahead is on record too
    expect(sys.attempts(outs[0]!.failure.id).map((a) => [a.strategy, a.verdict])).toEqual([
      ['retry', 'cause_cleared'],
      ['resume', 'recovered'],
    ]);
  });

  it('a run is not resumed while its cause is still there; a resume that fails again leaves it interrupted', async () => {
    const down = 'http://127.0.0.1:9';
    const { db, sys } = setup(down);
    await job(db, sys, 'run-1', false, down).catch(() => undefined);
    let resumed = 0;
    const [blocked] = await sys.recover({
      resume: async () => {
        resumed++;
        return { runId: 'never' };
      },
    });
    expect(resumed).toBe(0);
    expect(blocked!.result).toMatchObject({ strategy: 'resume', outcome: 'skipped' });
    expect(blocked!.result.detail).toMatch(/^not resumed: #\d+ server_unreachable: .*ollama serve/);
    expect(blocked!.failure.status).toBe('open');

    // The cause is gone (as far as a probe can tell), but the replay fails: nothing is recovered.
    const up = setup(fake.url);
    await job(up.db, up.sys, 'run-1', false, fake.url).catch(() => undefined);
    const [again] = await up.sys.recover({
      resume: async () => {
        await job(up.db, up.sys, 'run-2', false, fake.url);
        return { runId: 'run-2' };
      },
    });
    expect(again!.result).toMatchObject({ strategy: 'resume', outcome: 'failure' });
    expect(up.sys.interruptedRuns()).toMatchObject([{ runIds: ['run-1', 'run-2'] }]);
    expect(up.sys.status()).toMatchObject({ recovered: 0, runs: { interrupted: 1 } });
  });

  it('a run refused as recorded (its tag has tasks now) is abandoned: never resumed again, never counted recovered', async () => {
    const { db, sys } = setup(fake.url);
    await job(db, sys, 'run-1', false, fake.url).catch(() => undefined);
    let calls = 0;
    const resume: RunResumer = async () => {
      calls++;
      throw new ValidationError('tag "master" in tasks.json already has 3 tasks', { hint: 'use --force' });
    };
    const [first] = await sys.recover({ resume });
    expect(first!.result.detail).toMatch(/^abandoned, it cannot run again as recorded: tag "master"/);
    expect(first!.run).toMatchObject({ status: 'abandoned' });
    expect(sys.interruptedRuns()).toEqual([]);
    const again = await sys.recover({ resume });
    expect(calls).toBe(1);
    expect(again).toEqual([]);
    expect(sys.status()).toMatchObject({ recovered: 0, cause_cleared: 1, runs: { abandoned: 1, interrupted: 0 } });
  });
});
