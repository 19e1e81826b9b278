import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { NO_SERVER } from '../../support/fake-server-fixture.js';
import { openProject } from '../../../src/application/project.js';
import { learningEngine } from '../../../src/application/learning.js';
import { writtenTasks } from '../../../src/learning/record-run.js';
import { LearningRepo } from '../../../src/storage/learning-repo.js';
import type { LearningStore } from '../../../src/learning/types.js';
import { OFFLINE_MODEL } from '../../../src/research/offline-embedder.js';
import { parsePrdIn, prdOptions } from '../../support/prd-run.js';

const PRD = `# Notes app\n\n## Editor\nMarkdown editing with preview.\n- toolbar\n- autosave\n\n## Sync\nSync notes between devices.\n- conflict handling\n- offline queue\n`;
let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({
    models: [
      { name: 'alpha:latest', contextLength: 8192 },
      { name: 'beta:latest', contextLength: 8192 },
      { name: 'nomic-embed-text:latest', contextLength: 2048, embedding: true },
    ],
  });
  // alpha never gives a valid structured answer; beta always does.
  server.script((ctx) => (ctx.schema && ctx.model.startsWith('alpha') ? { content: '{"nope": 1}' } : undefined));
});
afterAll(async () => {
  await server.close();
});

const tempRoot = (local: Record<string, unknown> = {}) =>
  tempProject({
    '.taskmaster/config.json': JSON.stringify({
      models: { main: { provider: 'ollama', modelId: 'alpha:latest' } },
      local,
    }),
  });
const env = () => ({ ...NO_SERVER, OLLAMA_HOST: server.url });

describe('recording runs and learned routing (fake server, real SQLite file)', () => {
  it('records a parse-prd run with per-model stats from the ledger and model + offline context vectors; learned routing then leads with the model that answers validly', async () => {
    const root = tempRoot();
    const runId = 'run-1';
    const p = openProject({ cwd: root, env: env(), runId, backoffMs: 1 });
    const out = await parsePrdIn(p, {
      runId,
      prd: PRD,
      prdPath: 'prd.txt',
      options: prdOptions({ maxDepth: 1, concurrency: 2, requireModel: true, noCache: true }),
    });
    const engine = learningEngine(p);
    const r = await engine.recordPrdRun(runId, PRD, writtenTasks(out.tasksPath, out.tag, out.tasks), p.attempts);
    expect(r.id).toBeGreaterThan(0);
    expect(await engine.recordPrdRun(runId, PRD)).toEqual({}); // once per run
    const repo: LearningStore = new LearningRepo(p.db());
    const [e] = repo.list();
    const alpha = e!.modelStats!.find((m) => m.model.startsWith('alpha'))!;
    const beta = e!.modelStats!.find((m) => m.model.startsWith('beta'))!;
    expect(alpha).toMatchObject({ ok: 0, errors: 0 });
    expect(alpha.invalid).toBeGreaterThanOrEqual(2); // first answer and the re-ask
    expect(beta.ok).toBeGreaterThan(0);
    // every alpha failure was re-asked once and then handed to beta: per model, not per run
    expect(alpha.recovered).toMatchObject({
      fallback: alpha.invalid,
      reask: 0,
      unrecovered: 0,
      codes: { MODEL_OUTPUT_INVALID: alpha.invalid },
    });
    expect(beta.recovered).toBeUndefined();
    expect(e!.outcome).toMatchObject({ success: true, schemaValid: false });
    expect(e!.written!.subtasks).toEqual(Object.fromEntries(out.tasks.map((t) => [String(t.id), 0])));
    expect(
      repo
        .vecTables()
        .map((t) => t.embedder)
        .sort(),
    ).toEqual([OFFLINE_MODEL, 'ollama/nomic-embed-text:latest'].sort());
    p.close();

    // A project with learned routing on: the ranker reads the ledger and puts beta first.
    writeFileSync(
      join(root, '.taskmaster/config.json'),
      JSON.stringify({
        models: { main: { provider: 'ollama', modelId: 'alpha:latest' } },
        local: { learnedRouting: true },
      }),
    );
    const q = openProject({ cwd: root, env: env() });
    const leaders: string[] = [];
    for (let i = 0; i < 5; i++) leaders.push((await q.api().plan({ type: 'PLANNING' })).candidates[0]!.alias);
    const log = new LearningRepo(q.db()).routeLog().reverse();
    expect(log.map((l) => l.chosen)).toEqual(leaders);
    // beta is the greedy choice every time; alpha may lead only as bounded exploration (at most 20%).
    expect(log.every((l) => l.greedy.includes('beta') && l.taskType === 'PLANNING')).toBe(true);
    expect(log.filter((l) => !l.explored).every((l) => l.chosen.includes('beta'))).toBe(true);
    expect(log.filter((l) => l.explored).length).toBeLessThanOrEqual(1);
    expect(leaders.slice(0, 4).every((a) => a.includes('beta'))).toBe(true); // no exploration before 1 in 5 is allowed
    q.close();

    // Without the setting, the configured main role leads as before.
    writeFileSync(
      join(root, '.taskmaster/config.json'),
      JSON.stringify({ models: { main: { provider: 'ollama', modelId: 'alpha:latest' } } }),
    );
    const plain = openProject({ cwd: root, env: env() });
    expect((await plain.api().plan({ type: 'PLANNING' })).candidates[0]!.model).toBe('alpha:latest');
    plain.close();
  }, 60_000);
});
