import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openResearch } from '../../src/application/open-research.js';
import { parsePrdUseCase } from '../../src/application/parse-prd.js';
import { openProject } from '../../src/application/project.js';
import { recoverRunUseCase, recoverStatusUseCase } from '../../src/application/recover.js';
import { diagnoseByRules } from '../../src/diagnostics/diagnose.js';
import { isAppError } from '../../src/errors.js';
import { FailureRecoverySystem } from '../../src/recovery/system.js';
import type { RecoveryStatus } from '../../src/recovery/types.js';
import { readTasksFile } from '../../src/taskmaster/tasks-file.js';
import { replayEvidence, sumStatus } from './support/recovery-evidence.js';
import { tempProject } from '../support/cli.js';
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
// `recover status --json` of every case's database, after the case and its `recover --run`.
const statuses: RecoveryStatus[] = [];
beforeAll(async () => {
  fake = await startFakeServer();
});
afterAll(() => {
  // A readable record of how each case ended, and the matrix's recovery figures.
  process.stdout.write(`fault matrix outcomes:\n  ${outcomes.join('\n  ')}\n`);
  process.stdout.write(`fault matrix recover status: ${JSON.stringify(sumStatus(statuses))}\n`);
  return fake.close();
});

const tempRoot = (): string =>
  tempProject({
    '.taskmaster/config.json': JSON.stringify({
      models: { main: { provider: 'ollama', modelId: 'llama3.2' } },
      local: { retries: 2, timeouts: { requestMs: 1500, idleMs: 700, probeMs: 1000 } },
    }),
  });

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

/**
 * Once the fault is spent, `recover --run`'s core: an interrupted parse-prd run is resumed through
 * the same use case and only that recovers its failures; a failed research question has no run to
 * resume, so the probe that finds the server well again only clears the cause.
 */
async function recoverAfter(root: string, env: Record<string, string>, job: 'parse-prd' | 'research') {
  fake.reset(); // the fault was transient: the server is healthy again
  const project = openProject({ cwd: root, env, backoffMs: 1 });
  try {
    // What `recover --run` and `recover status --json` call.
    const { outcomes: outs } = await recoverRunUseCase(project);
    expect(outs.length).toBeGreaterThan(0);
    for (const o of outs) {
      const why = `${o.failure.kind}: ${o.result.strategy} ${o.result.outcome} — ${o.result.detail}`;
      // The run's own requests were replayed; others it made (e.g. embedding its experience) only had their cause checked.
      if (job === 'parse-prd' && o.failure.context.component === 'prd')
        expect({ run: o.run?.status, status: o.failure.status }, why).toEqual({ run: 'resumed', status: 'recovered' });
      else if (job === 'parse-prd') expect(o.failure.status, why).toMatch(/^(recovered|cause_cleared)$/);
      else expect({ run: o.run, status: o.failure.status }, why).toEqual({ run: undefined, status: 'cause_cleared' });
    }
    const st = recoverStatusUseCase(project);
    expect(st).toMatchObject({ active_failures: 0, runs: { interrupted: 0 } });
    if (job === 'research') expect(st.recovered_by.resume).toBeUndefined();
  } finally {
    project.close();
  }
}

/** Whether the case left a failure open (a failed run, or a question answered without the model). */
function hasOpen(dbPath: string): boolean {
  const db = new Database(dbPath, { readonly: true });
  try {
    return new FailureRecoverySystem({ db }).status().active_failures > 0;
  } finally {
    db.close();
  }
}

/** Every recovered occurrence is backed by a replayed success; the case's figures join the matrix's. */
function recordStatus(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    expect(replayEvidence(db)).toEqual([]);
    statuses.push(new FailureRecoverySystem({ db }).status());
  } finally {
    db.close();
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
        const out = await parsePrdUseCase(project, {
          prd: PRD,
          prdPath: join(root, 'prd.md'),
          maxDepth: 1,
          concurrency: 2,
          requireModel: true,
          noCache: true,
          complexityThreshold: 11,
        });
        expect(out.written).toBe(true);
        expect(out.tasks.length).toBeGreaterThan(0);
      } catch (e) {
        error = e;
      } finally {
        project.close();
      }
      checkAftermath(`parse-prd ${label(fault)}`, root, project.config.dbPath, error);
      if (hasOpen(project.config.dbPath)) await recoverAfter(root, env, 'parse-prd');
      recordStatus(project.config.dbPath);
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
      if (hasOpen(project.config.dbPath)) await recoverAfter(root, env, 'research');
      recordStatus(project.config.dbPath);
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
        const out = await parsePrdUseCase(project, {
          prd: PRD,
          prdPath: join(root, 'prd.md'),
          maxDepth: 2,
          concurrency: 2,
          requireModel: true,
          noCache: true,
          complexityThreshold: 1,
        });
        expect(out.written).toBe(true);
        const status = new FailureRecoverySystem({ db: project.db() }).status();
        const served = fake.requests.filter((q) => q.path === '/api/chat').length;
        outcomes.push(
          `30% 500s seed ${seed}: ${out.summary.llmCalls} answered calls, ${served} chat requests, ${status.total_failures} failures, recovery rate ${status.recovery_rate}`,
        );
        expect(status.active_failures).toBe(0);
        // Each 500 was answered by a retry of the same request, inside the run.
        expect(status.recovered).toBe(status.total_failures);
        expect(Object.keys(status.recovered_by)).toEqual(['retry']);
      } finally {
        project.close();
        fake.reset();
      }
      checkAftermath(`30% seed ${seed}`, root, project.config.dbPath, undefined);
      recordStatus(project.config.dbPath);
    });
  }
});
