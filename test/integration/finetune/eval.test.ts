import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { finetuneEvalUseCase } from '../../../src/application/finetune-eval.js';
import { finetuneRegisterUseCase } from '../../../src/application/finetune-register.js';
import { improveProposeUseCase } from '../../../src/application/improve-propose.js';
import { currentRoles } from '../../../src/application/learning.js';
import { modelsSetUseCase } from '../../../src/application/models-set.js';
import { openProject } from '../../../src/application/project.js';
import { LearningRepo } from '../../../src/storage/learning-repo.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { makeTinyLoraGguf } from '../../support/make-tiny-gguf.js';
import { parsePrdIn, prdOptions } from '../../support/prd-run.js';
import { PRD } from '../prd/helpers.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ answers: { arrayItems: { tasks: 4, subtasks: 3 } } });
});
afterAll(async () => {
  await server.close();
});

describe('finetune eval', () => {
  it('runs the test split on the tuned model and the base side by side and stores both as experiences', async () => {
    const root = tempProject({ '.taskmaster/docs/prd.txt': PRD, 'adapter.gguf': makeTinyLoraGguf() });
    const env = {
      HOME: root,
      OLLAMA_HOST: server.url,
      LM_STUDIO_HOST: 'http://127.0.0.1:9',
      LOCAL_AI_HOST: 'http://127.0.0.1:9',
    };
    let p = openProject({ cwd: root, env, backoffMs: 1 });
    await parsePrdIn(p, {
      prd: PRD,
      prdPath: '.taskmaster/docs/prd.txt',
      options: prdOptions({ complexityThreshold: 1 }),
    });
    // The team renamed a task: the kept answer differs from the model's first one.
    const file = JSON.parse(readFileSync(p.paths.tasks, 'utf8'));
    file.master.tasks[0].title = 'Accounts: sign-up and login';
    writeFileSync(p.paths.tasks, JSON.stringify(file));
    await finetuneRegisterUseCase(p, {
      adapter: 'adapter.gguf',
      base: 'llama3.2:latest',
      alias: 'llama-tuned',
      check: false,
    });
    p.close();
    p = openProject({ cwd: root, env, backoffMs: 1 });
    // The base breaks the schema on every answer; the tuned model answers by the schema.
    server.script((ctx) =>
      ctx.model.startsWith('llama3.2') ? { content: 'I think the tasks are: auth, search.' } : undefined,
    );
    const r = await finetuneEvalUseCase(p, {
      alias: 'llama-tuned',
      against: 'llama3.2:latest',
      split: { train: 0, valid: 0, test: 100 },
    });
    server.script(undefined);
    expect(r.examples).toBeGreaterThanOrEqual(4);
    const [tuned, base] = r.scores;
    expect(tuned).toMatchObject({ model: 'llama-tuned', schemaValid: r.examples, schemaValidRate: 1, errors: 0 });
    expect(tuned!.taskCountError).toBeGreaterThanOrEqual(0);
    expect(tuned!.similarity).toBeGreaterThan(0);
    expect(tuned!.tokens).toBeGreaterThan(0);
    expect(base).toMatchObject({ model: 'llama3.2:latest', schemaValid: 0, schemaValidRate: 0, similarity: 0 });
    const exps = new LearningRepo(p.db()).list();
    const evals = exps.filter((e) => e.context.taskKind === 'finetune_eval');
    expect(evals.map((e) => e.action.model).sort()).toEqual(['llama-tuned', 'llama3.2:latest']);
    expect(evals.find((e) => e.action.model === 'llama3.2:latest')!.modelStats![0]).toMatchObject({
      invalid: r.examples,
      ok: 0,
    });
    p.close();
    // improve weighs the stored eval when proposing role changes: with the base as the main model,
    // the tuned alias (every answer valid, against none) is proposed for the role.
    p = openProject({ cwd: root, env, backoffMs: 1 });
    await modelsSetUseCase(p, { roles: { main: 'llama3.2:latest' } });
    p.close();
    p = openProject({ cwd: root, env, backoffMs: 1 });
    expect((await currentRoles(p)).main).toBe('llama3.2:latest');
    const imp = await improveProposeUseCase(p, { meta: false });
    expect(imp.proposals.map((x) => x.change)).toContainEqual(
      expect.objectContaining({ kind: 'role-model', role: 'main', from: 'llama3.2:latest', to: 'llama-tuned' }),
    );
    expect(imp.proposals.find((x) => x.change.kind === 'role-model')!.evidence).toContain(
      `llama-tuned: ${r.examples}/${r.examples} calls valid`,
    );
    p.close();
  });
});
