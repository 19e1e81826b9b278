import { describe, expect, it } from 'vitest';
import { openProject } from '../../../src/application/project.js';
import { runSelfTest } from '../../../src/recovery/self-test/run.js';

describe('recover self-test (library)', () => {
  it('detects, diagnoses and recovers an unreachable endpoint, an invalid answer (helper and model API) and a locked DB', async () => {
    const r = await runSelfTest({ backoffMs: 5, openProject });
    for (const c of r.cases) expect(c, c.name).toMatchObject({ detected: true, recovered: true });
    expect(r.cases.map((c) => [c.name, c.kind, c.strategy])).toEqual([
      ['unreachable endpoint', 'server_unreachable', 'retry'],
      ['invalid model answer', 'invalid_output', 'retry'],
      ['invalid answer via the model API', 'truncated_output', 'reask'],
      ['locked database', 'db_busy', 'retry'],
    ]);
    expect(r.cases[0]!.diagnosis).toMatch(/start it with `ollama serve`/);
    expect(r.ok).toBe(true);
    expect(r.status).toMatchObject({ active_failures: 0, recovery_rate: 1, total_failures: 4 });
  });
});
