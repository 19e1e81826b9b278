import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProject } from '../../../src/application/project.js';
import { researchAddUseCase } from '../../../src/application/research-add.js';
import { researchLoopUseCase } from '../../../src/application/research-loop.js';
import { researchSessionsUseCase } from '../../../src/application/research-sessions.js';
import { runResumer } from '../../../src/application/resume-runs.js';
import { FailureRecoverySystem } from '../../../src/recovery/system.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer();
});
afterAll(() => fake.close());

describe('a research loop that fails is resumed by recover --run from its last finished iteration', () => {
  it('the interrupted loop keeps its session; the resume finishes it and only then are its failures recovered', async () => {
    fake.reset();
    const cwd = tempProject();
    writeFileSync(
      join(cwd, '.taskmaster', 'config.json'),
      JSON.stringify({ models: { main: { provider: 'ollama', modelId: 'llama3.2' } }, local: { retries: 0 } }),
    );
    const env = { OLLAMA_HOST: fake.url, LM_STUDIO_HOST: 'http://127.0.0.1:9', LOCAL_AI_HOST: 'http://127.0.0.1:9' };
    let project = openProject({ cwd, env, backoffMs: 1 });
    await researchAddUseCase(project, {
      note: { title: 'WAL', content: 'SQLite write-ahead logging lets readers continue while a writer commits.' },
    });
    // The first iteration is answered; from the first request of the second on, the server fails.
    let chats = 0;
    let failFrom = Number.POSITIVE_INFINITY;
    fake.script(() =>
      ++chats >= failFrom ? { status: 500, error: 'an error was encountered while running the model' } : undefined,
    );
    const first = await researchLoopUseCase(project, { topic: 'write-ahead logging', iterations: 1, minGain: -1 });
    const perIteration = chats;
    failFrom = chats + perIteration + 1;
    chats = 0;
    await expect(
      researchLoopUseCase(project, { topic: 'readers and writers in SQLite', iterations: 3, minGain: -1 }),
    ).rejects.toThrow(/running the model/);
    const sys = () => new FailureRecoverySystem({ db: project.db(), config: project.config });
    const [run] = sys().interruptedRuns();
    expect(run).toMatchObject({
      job: 'research-loop',
      input: { topic: 'readers and writers in SQLite', iterations: 3 },
    });
    const session = (run!.input as { session?: string }).session;
    expect(session).toMatch(/^rs-/);
    expect(researchSessionsUseCase(project).find((s) => s.id === session)).toMatchObject({ iterations_done: 1 });
    expect(first.status).toBe('done');

    fake.script(undefined); // the server is well again
    project.close();
    project = openProject({ cwd, env, backoffMs: 1 });
    const outs = await sys().recover({ resume: runResumer(project) });
    expect(outs.length).toBeGreaterThan(0);
    for (const o of outs.filter((x) => x.failure.context.component === 'research'))
      expect(o).toMatchObject({ result: { strategy: 'resume', outcome: 'success' }, failure: { status: 'recovered' } });
    expect(outs[0]!.result.detail).toMatch(new RegExp(`resumed from session ${session}: 3 iteration\\(s\\)`));
    expect(researchSessionsUseCase(project).find((s) => s.id === session)).toMatchObject({
      status: 'done',
      iterations_done: 3,
    });
    expect(sys().status()).toMatchObject({
      active_failures: 0,
      runs: { interrupted: 0, resumed: 1 },
      recovered_by: { resume: expect.any(Number) },
    });
    project.close();
  }, 60_000);
});
