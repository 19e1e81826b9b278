import { describe, expect, it } from 'vitest';
import { runSelfTest } from '../../../src/application/self-test.js';

describe('recover self-test (library)', () => {
  it('each injected fault ends as an honest count says: replays recovered, the probe only clears the cause', async () => {
    const r = await runSelfTest({ backoffMs: 5 });
    expect(r.cases.map((c) => [c.name, c.status, c.by])).toEqual([
      ['server busy, retried', 'recovered', 'retry'],
      ['invalid answer, re-asked', 'recovered', 'reask'],
      ['main model missing, fallback', 'recovered', 'fallback'],
      ['parse-prd interrupted, resumed', 'recovered', 'resume'],
      ['server down, probe only', 'cause_cleared', 'retry'],
    ]);
    expect(r.cases.map((c) => c.kind)).toEqual([
      'server_busy',
      'truncated_output',
      'model_not_found',
      // the run's 500s, or the circuit they opened: both are failures of the run, resumed together
      expect.stringMatching(/^(http_error|circuit_open)$/),
      expect.stringMatching(/^(server_unreachable|circuit_open)$/),
    ]);
    for (const c of r.cases) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    expect(r.cases[3]!.detail).toMatch(/parse-prd resumed as run .*: [1-9]\d* answer\(s\) from the checkpoint/);
    expect(r.ok).toBe(true);
    // The probe's case is in the figures apart: never counted as recovered.
    expect(r.status.cause_cleared).toBeGreaterThan(0);
    expect(r.status.recovered_by).toMatchObject({
      retry: expect.any(Number),
      reask: 1,
      fallback: 1,
      resume: expect.any(Number),
    });
    expect(r.status.recovery_rate).toBeLessThan(1);
    expect(r.status.mttr_ms).toBeGreaterThan(0);
  });
});
