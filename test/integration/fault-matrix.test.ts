import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProject } from '../../src/application/project.js';
import { isAppError } from '../../src/errors.js';
import { parsePrd } from '../../src/prd/run.js';
import { diagnoseByRules } from '../../src/diagnostics/diagnose.js';
import { FailureRecoverySystem } from '../../src/recovery/system.js';
import { openResearch } from '../../src/application/open-research.js';
import { PrdRepo } from '../../src/storage/prd-repo.js';
import { readTasksFile } from '../../src/taskmaster/tasks-file.js';
import { startFakeServer, type FakeServer, type FaultKind } from '../support/fake-llm-server.js';

const PRD = `# Notes app\n\n## Accounts\nUsers sign up with email and password.\n\n## Notes\nUsers write, tag and search short notes.\n\n## Sync\nNotes sync between devices.\n`;

// Every fault the fake server can inject; hang/stall need the short timeouts set in the config below.
const FAULTS: FaultKind[] = [
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'status', status: 404 },
  { kind: 'hang' },
  { kind: 'latency', ms: 300 },
  { kind: 'malformed' },
  { kind: 'truncated' },
  { kind: 'schema-break' },
  { kind: 'fenced' },
  { kind: 'prose' },
  { kind: 'think' },
  { kind: 'mid-stream-error' },
  { kind: 'drop' },
  { kind: 'no-done' },
  { kind: 'stall' },
];

let fake: FakeServer;
const outcomes: string[] = [];
beforeAll(async () => {
  fake = await startFakeServer();
});
afterAll(() => {
  // A readable record of how each case ended (recovered in-run, or failed with a diagnosis).
  process.stdout.write(`fault matrix outcomes:\n  ${outcomes.join('\n  ')}\n`);
  return fake.close();
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'tml-faults-'));
  mkdirSync(join(root, '.taskmaster'), { recursive: true });
  writeFileSync(
    join(root, '.taskmaster', 'config.json'),
    JSON.stringify({
      models: { main: { provider: 'ollama', modelId: 'llama3.2' } },
      local: { retries: 2, timeouts: { requestMs: 1500, idleMs: 700, probeMs: 1000 } },
    }),
  );
  return root;
}

const label = (f: FaultKind) => (f.kind === 'status' ? `status ${f.status}` : f.kind);

/** The invariant after every case: recovered, or a clear diagnosis; the DB and tasks.json are sound. */
function checkAftermath(caseName: string, root: string, dbPath: string, error: unknown) {
  const db = new Database(dbPath, { readonly: true });
  try {
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    const sys = new FailureRecoverySystem({ db });
    for (const f of sys.list()) {
      // Every failure the model API saw was classified into a kind a rule knows how to explain.
      expect(f.kind, `${f.message}`).not.toBe('unknown');
      expect(diagnoseByRules({ ...f, status: undefined }), f.kind).toBeDefined();
    }
    outcomes.push(
      `${caseName}: ${error === undefined ? 'completed' : `failed (${(error as Error).message.slice(0, 60)})`}; failures ${
        sys
          .list()
          .map((f) => `${f.kind}/${f.status}`)
          .join(',') || '-'
      }`,
    );
    if (error !== undefined) {
      expect(isAppError(error), String(error)).toBe(true);
      expect((error as { hint?: string }).hint, (error as Error).message).toBeTruthy();
      expect(sys.list().some((f) => f.status === 'open')).toBe(true);
    }
  } finally {
    db.close();
  }
  const tasksPath = join(root, '.taskmaster', 'tasks', 'tasks.json');
  if (existsSync(tasksPath)) {
    const file = readTasksFile(tasksPath);
    for (const t of file.master?.tasks ?? [])
      expect(t).toMatchObject({ id: expect.any(Number), title: expect.any(String), status: 'pending' });
    expect(() => JSON.parse(readFileSync(tasksPath, 'utf8'))).not.toThrow();
  }
}

/** Once the fault is spent, `recover --run`'s core recovers every open failure the case left. */
async function recoverAfter(root: string, env: Record<string, string>) {
  fake.reset(); // the fault was transient: the server is healthy again
  const project = openProject({ cwd: root, env, backoffMs: 1 });
  try {
    const sys = new FailureRecoverySystem({
      db: project.db(),
      config: project.config,
      api: async () => project.api(),
      backoff: { baseMs: 1 },
    });
    const outcomes = await sys.recover();
    expect(outcomes.length).toBeGreaterThan(0);
    for (const o of outcomes)
      expect(o.result, `${o.failure.kind}: ${o.result.detail}`).toMatchObject({ outcome: 'success' });
    expect(sys.status().active_failures).toBe(0);
  } finally {
    project.close();
  }
}

describe('fault matrix: every fault × parse-prd and research', () => {
  for (const fault of FAULTS) {
    it(`parse-prd with ${label(fault)}`, async () => {
      fake.reset();
      fake.fault({ ...fault, times: 2 });
      const root = tempRoot();
      const env = { OLLAMA_HOST: fake.url, LM_STUDIO_HOST: 'http://127.0.0.1:9', LOCAL_AI_HOST: 'http://127.0.0.1:9' };
      const project = openProject({ cwd: root, env, backoffMs: 1 });
      let error: unknown;
      try {
        const out = await parsePrd(
          {
            prd: PRD,
            prdPath: join(root, 'prd.md'),
            tasksPath: project.paths.tasks,
            tag: 'master',
            mode: 'create',
            dryRun: false,
            options: {
              numTasks: 0,
              maxDepth: 1,
              concurrency: 2,
              requireModel: true,
              noCache: true,
              resume: false,
              complexityThreshold: 11,
            },
          },
          { api: project.api(), repo: new PrdRepo(project.db()) },
        );
        expect(out.written).toBe(true);
        expect(out.tasks.length).toBeGreaterThan(0);
      } catch (e) {
        error = e;
      } finally {
        project.close();
      }
      checkAftermath(`parse-prd ${label(fault)}`, root, project.config.dbPath, error);
      if (error !== undefined) await recoverAfter(root, env);
    });

    it(`research with ${label(fault)}`, async () => {
      fake.reset();
      const root = tempRoot();
      const env = { OLLAMA_HOST: fake.url, LM_STUDIO_HOST: 'http://127.0.0.1:9', LOCAL_AI_HOST: 'http://127.0.0.1:9' };
      const project = openProject({ cwd: root, env, backoffMs: 1 });
      let error: unknown;
      try {
        const rag = openResearch(project);
        fake.fault({ ...fault, times: 2 });
        await rag.addExternalKnowledge({
          title: 'WAL',
          content: 'SQLite write-ahead logging lets readers continue while a writer commits.',
        });
        const a = await rag.researchQuery('What does write-ahead logging allow?', { k: 3 });
        expect(a.passages.length).toBeGreaterThan(0);
      } catch (e) {
        error = e;
      } finally {
        project.close();
      }
      checkAftermath(`research ${label(fault)}`, root, project.config.dbPath, error);
      if (error !== undefined) await recoverAfter(root, env);
    });
  }
});

describe('30% of model calls fail with 500', () => {
  for (const seed of [1, 2, 3]) {
    it(`parse-prd still completes with the model (seed ${seed}), every failure recovered`, async () => {
      fake.reset();
      fake.failRate({ probability: 0.3, seed, status: 500 });
      const root = tempRoot();
      const env = { OLLAMA_HOST: fake.url, LM_STUDIO_HOST: 'http://127.0.0.1:9', LOCAL_AI_HOST: 'http://127.0.0.1:9' };
      const project = openProject({ cwd: root, env, backoffMs: 1 });
      try {
        const out = await parsePrd(
          {
            prd: PRD,
            prdPath: join(root, 'prd.md'),
            tasksPath: project.paths.tasks,
            tag: 'master',
            mode: 'create',
            dryRun: false,
            options: {
              numTasks: 0,
              maxDepth: 2,
              concurrency: 2,
              requireModel: true,
              noCache: true,
              resume: false,
              complexityThreshold: 1,
            },
          },
          { api: project.api(), repo: new PrdRepo(project.db()) },
        );
        expect(out.written).toBe(true);
        const status = new FailureRecoverySystem({ db: project.db() }).status();
        const served = fake.requests.filter((q) => q.path === '/api/chat').length;
        outcomes.push(
          `30% 500s seed ${seed}: ${out.summary.llmCalls} answered calls, ${served} chat requests, ${status.total_failures} failures, recovery rate ${status.recovery_rate}`,
        );
        expect(status.active_failures).toBe(0);
      } finally {
        project.close();
        fake.reset();
      }
      checkAftermath(`30% seed ${seed}`, root, project.config.dbPath, undefined);
    });
  }
});
