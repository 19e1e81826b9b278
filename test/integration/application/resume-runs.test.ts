import { afterEach, describe, expect, it } from 'vitest';
import { openProject, type Project } from '../../../src/application/project.js';
import { runResumer } from '../../../src/application/resume-runs.js';
import type { InterruptedRun } from '../../../src/recovery/types.js';
import { tempProject } from '../../support/cli.js';

const run = (job: string, input: unknown): InterruptedRun => ({
  id: 7,
  job,
  input,
  status: 'interrupted',
  failedMs: 0,
  runIds: ['r1'],
});

let project: Project | undefined;
afterEach(() => project?.close());

describe('recover --run: the table of resumers', () => {
  it('refuses a job it has no resumer for, and a recorded input its schema does not accept', async () => {
    project = openProject({ cwd: tempProject(), env: {} });
    const resume = runResumer(project);
    await expect(resume(run('toString', {}))).rejects.toThrow(
      "run #7 (toString) cannot be resumed: this version cannot resume 'toString' runs",
    );
    for (const job of ['parse-prd', 'expand', 'analyze-complexity', 'research-loop', 'update', 'scope-up'])
      await expect(resume(run(job, { tag: 3 }))).rejects.toMatchObject({
        code: 'VALIDATION',
        message: expect.stringContaining(`run #7 (${job}) cannot be resumed: its recorded input is not valid (`),
        hint: expect.stringContaining(`run ${job} again yourself`),
      });
  });
});
