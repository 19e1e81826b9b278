import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runValidation, type ValidationReport } from '../../../src/application/validation.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer, type ScriptContext } from '../../support/fake-llm-server.js';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer();
});
beforeEach(() => fake.reset());
afterAll(() => fake.close());

const env = () => ({
  OLLAMA_HOST: fake.url,
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
});
const statuses = (v: ValidationReport) => Object.fromEntries(v.checks.map((c) => [c.name, c.status]));
const check = (v: ValidationReport, name: string) => v.checks.find((c) => c.name === name)!;
const text = (c: ScriptContext) => c.messages.map((m) => m.content).join('\n');
const has = (c: ScriptContext, prop: string) =>
  !!(c.schema?.properties && Object.hasOwn(c.schema.properties as object, prop));

describe('health --full: every check can fail', () => {
  it('the model API check fails when the model answers its question with broken JSON; the others still pass', async () => {
    fake.script((c) =>
      text(c).includes('Validation: answer with healthy') ? { content: '{"healthy": tr' } : undefined,
    );
    const v = await runValidation({ cwd: tempProject(), env: env() });
    expect(statuses(v)).toEqual({
      health: 'pass',
      'model API': 'fail',
      'parse-prd': 'pass',
      research: 'pass',
      optimize: 'pass',
      'recovery self-test': 'pass',
    });
    expect(v).toMatchObject({ overall: 'unhealthy', run: 6, passed: 5, failed: 1 });
    expect(check(v, 'recovery self-test').detail).toMatch(/recovered by a replay, \d+ cause cleared by a probe/);
  }, 60_000);

  it('parse-prd, research and optimize fail when the model fails their own requests', async () => {
    fake.script((c) => {
      if (has(c, 'tasks')) return { status: 500, error: 'an error was encountered while running the model' };
      if (has(c, 'score')) return { json: { score: 7, rationale: 'out of range' } };
      if (!c.schema && text(c).includes('write-ahead logging let readers')) return { status: 500, error: 'boom' };
      return undefined;
    });
    const v = await runValidation({ cwd: tempProject(), env: env() });
    expect(statuses(v)).toEqual({
      health: 'pass',
      'model API': 'pass',
      'parse-prd': 'fail',
      research: 'fail',
      optimize: 'fail',
      'recovery self-test': 'pass',
    });
    expect(v.overall).toBe('degraded');
    expect(check(v, 'parse-prd').detail).toMatch(/running the model|no model|circuit open/);
    expect(check(v, 'research').detail).toMatch(/HTTP 500: boom|no model answered the question/);
    expect(check(v, 'optimize').detail).toMatch(
      /failed to judge \d+ of \d+ configuration|every evaluation of generation 0 failed/,
    );
  }, 60_000);

  it('the health check fails when the main role model is not pulled', async () => {
    const cwd = tempProject();
    writeFileSync(
      join(cwd, '.taskmaster', 'config.json'),
      JSON.stringify({ models: { main: { provider: 'ollama', modelId: 'not-pulled:7b' } } }),
    );
    const v = await runValidation({ cwd, env: env() });
    expect(check(v, 'health')).toMatchObject({
      status: 'fail',
      hint: expect.stringContaining('ollama pull not-pulled:7b'),
    });
    expect(v.overall).not.toBe('healthy');
  }, 60_000);
});
