import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openProject, type Project } from '../../../src/application/project.js';
import { LlamaCppProvider } from '../../../src/models/providers/llama-cpp.js';
import type { CallRecord, FailureEvent } from '../../../src/models/types.js';
import { tasksAnswerSchema } from '../../../src/prd/schema.js';
import { MetricsRepo } from '../../../src/storage/metrics-repo.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { ensureLlamaCppForTests, makeTinyGguf } from '../../support/make-tiny-gguf.js';

const TINY = makeTinyGguf({ quoteBias: 2 });
let server: FakeServer;
let project: Project | undefined;
const calls: CallRecord[] = [];
const failures: FailureEvent[] = [];

beforeAll(async () => {
  ensureLlamaCppForTests();
  server = await startFakeServer();
  server.fault({ kind: 'status', status: 500, times: 1000 });
});
afterEach(() => {
  project?.close();
  project = undefined;
  calls.length = 0;
  failures.length = 0;
});
afterAll(async () => {
  await server.close();
  await LlamaCppProvider.disposeAll();
});

/** A real project (temp dir, SQLite file) whose registry holds the tiny GGUF as `local-tiny`. */
function open(local: Record<string, unknown>, env: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  const dir = tempProject({ 'models/tiny.gguf': TINY });
  const registry = {
    'local-tiny': { provider: 'llama-cpp', model: join(dir, 'models/tiny.gguf') },
    ...(local.registry as object),
  };
  writeFileSync(
    join(dir, '.taskmaster/config.json'),
    JSON.stringify({ ...extra, local: { discover: ['ollama'], retries: 0, ...local, registry } }),
  );
  project = openProject({
    cwd: dir,
    env: { HOME: dir, OLLAMA_HOST: 'http://127.0.0.1:9', ...env },
    hooks: [{ onCall: (c) => calls.push(c), onFailure: (f) => failures.push(f) }],
    backoffMs: 1,
  });
  return project;
}

const ask = (content: string) => [{ role: 'user' as const, content }];

describe('UnifiedModelAPI with the embedded provider (no server)', () => {
  it('generates text, recorded as a local call on host "embedded"', async () => {
    const p = open({});
    const a = await p
      .api()
      .generateText({ type: 'GENERAL', messages: ask('say something'), maxTokens: 40, component: 'test' });
    expect(a.value.length).toBeGreaterThan(0);
    expect(a.model).toMatchObject({ alias: 'local-tiny', provider: 'llama-cpp', local: true });
    expect(a.usage.completionTokens).toBeGreaterThan(0);
    expect(new MetricsRepo(p.db()).list()).toEqual([
      expect.objectContaining({ provider: 'llama-cpp', host: 'embedded', local: true, ok: true, operation: 'chat' }),
    ]);
  });

  it("answers parse-prd's own task schema, validated by the model API, and caches it", async () => {
    const p = open({});
    const schema = tasksAnswerSchema(5);
    const task = {
      type: 'PLANNING' as const,
      messages: ask('Make tasks: a todo app with login'),
      model: 'local-tiny',
      strictModel: true,
    };
    const a = await p.api().generateObject(task, schema);
    expect(schema.safeParse(a.value).success).toBe(true);
    expect(a.value.tasks.length).toBeGreaterThan(0);
    expect(a.cached).toBe(false);
    const again = await p.api().generateObject(task, schema);
    expect(again.cached).toBe(true);
    expect(again.value).toEqual(a.value);
  });

  it('embeds through the model API with the GGUF as embedding model', async () => {
    const p = open({ embeddingModel: 'local-tiny' });
    const r = await p.api().embed(['alpha beta', 'gamma', 'alpha beta'], { batchSize: 2 });
    expect(r.dimension).toBe(64);
    expect(r.calls).toBe(2);
    expect(r.vectors).toHaveLength(3);
    expect(r.vectors[2]).toEqual(r.vectors[0]);
    expect(r.model).toMatchObject({ alias: 'local-tiny', provider: 'llama-cpp' });
  });

  it('falls back to the embedded model after a failing server and a broken GGUF, each failure one line', async () => {
    // Chain: broken (requested) → the main role on the server (HTTP 500) → local-tiny (default fallback).
    const p = open(
      { registry: { broken: { provider: 'llama-cpp', model: '/nonexistent/broken.gguf' } } },
      { OLLAMA_HOST: server.url },
      { models: { main: { provider: 'ollama', modelId: 'llama3.2' } } },
    );
    const a = await p
      .api()
      .generateObject({ type: 'GENERAL', messages: ask('classify: buy milk'), model: 'broken' }, tasksAnswerSchema(2));
    expect(a.model.alias).toBe('local-tiny');
    const failed = a.attempts.filter((x) => !x.ok);
    expect(failed.map((f) => f.provider)).toEqual(['llama-cpp', 'ollama']);
    for (const f of failed) expect(f.error ?? '').not.toContain('\n');
    expect(failed[0]!.error).toContain('/nonexistent/broken.gguf does not exist');
    expect(failures.map((f) => f.recoveredBy)).toContain('fallback');
  });
});
