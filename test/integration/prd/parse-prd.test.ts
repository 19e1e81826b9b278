import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { parsePrd } from '../../../src/prd/run.js';
import { AppError } from '../../../src/errors.js';
import { openDatabase } from '../../../src/storage/db.js';
import { groupOf } from '../../../src/storage/write-group.js';
import type { PrdEvent } from '../../../src/prd/processor.js';
import { prdOptions } from '../../support/prd-run.js';
import { PRD, project } from './helpers.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => {
  await server.close();
});

// Threshold 1: every task is decomposed, so depth 2 does not hinge on the fake server's random complexities.
const input = (p: ReturnType<typeof project>, o = prdOptions({ complexityThreshold: 1 })) => ({
  prd: PRD,
  prdPath: 'prd.txt',
  tasksPath: p.paths.tasks,
  tag: 'master',
  mode: 'create' as const,
  dryRun: false,
  options: o,
});

describe('parsePrd against the fake server', () => {
  it('writes a valid task-master tag with subtasks, records the run, and reruns from cache with 0 calls', async () => {
    const p = project(server.url);
    const events: PrdEvent[] = [];
    const out = await parsePrd(input(p), { api: p.api, repo: p.repo, onProgress: (e) => events.push(e) });
    expect(out.structural).toBeUndefined();
    const file = JSON.parse(readFileSync(p.paths.tasks, 'utf8'));
    const tasks = file.master.tasks as Array<Record<string, any>>;
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.map((t) => t.id)).toEqual(tasks.map((_t, i) => i + 1));
    const ids = new Set(tasks.map((t) => t.id));
    for (const t of tasks) {
      expect(t.status).toBe('pending');
      expect(['high', 'medium', 'low']).toContain(t.priority);
      expect(t.description.trim()).not.toBe('');
      for (const d of t.dependencies) expect(ids.has(d) && d !== t.id).toBe(true);
      t.subtasks.forEach((s: Record<string, any>, j: number) => {
        expect(s.id).toBe(j + 1);
        for (const d of s.dependencies) expect(d >= 1 && d <= t.subtasks.length && d !== s.id).toBe(true);
      });
    }
    expect(out.summary.subtasks).toBeGreaterThan(0);
    expect(out.summary.depth).toBe(2);
    expect(out.summary.llmCalls).toBeGreaterThan(1);
    expect(events.some((e) => e.type === 'node' && e.state === 'done' && e.depth === 1)).toBe(true);
    const runs = p.repo.listRuns();
    expect(runs[0]).toMatchObject({
      success: true,
      structural: false,
      tasks: tasks.length,
      promptIds: expect.arrayContaining(['parse-prd@v2', 'expand-task@v2']),
    });
    expect(p.repo.nodes(out.runId).some((n) => /^\d+\.1$/.test(n.tmId ?? '') && n.promptId === 'expand-task@v2')).toBe(
      true,
    );

    const before = server.counts()['/api/chat'] ?? 0;
    const again = await parsePrd({ ...input(p), mode: 'force' }, { api: p.api, repo: p.repo });
    expect((server.counts()['/api/chat'] ?? 0) - before).toBe(0);
    expect(again.summary.llmCalls).toBe(0);
    expect(again.tasks).toEqual(out.tasks);
    p.close();
  });

  it("groups the run's writes (whoever calls it) and has committed all of them when it returns", async () => {
    const p = project(server.url);
    let grouped = 0;
    let seen = 0;
    const out = await parsePrd(input(p, prdOptions({ noCache: true, complexityThreshold: 1 })), {
      api: p.api,
      repo: p.repo,
      onProgress: () => {
        seen++;
        if (groupOf(p.db)) grouped++;
      },
    });
    expect(seen).toBeGreaterThan(0);
    expect(grouped).toBe(seen);
    expect(groupOf(p.db)).toBeUndefined();
    // Another connection sees every checkpoint, cached answer and metrics row of the run at once.
    const other = openDatabase(p.paths.db, { readonly: true });
    const count = (sql: string) => (other.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM prd_checkpoints')).toBe(out.summary.llmCalls);
    expect(count('SELECT count(*) AS n FROM llm_cache')).toBe(out.summary.llmCalls);
    expect(count("SELECT count(*) AS n FROM metrics WHERE operation = 'object'")).toBe(out.summary.llmCalls);
    expect(count('SELECT count(*) AS n FROM prd_runs WHERE finished_at IS NOT NULL')).toBe(1);
    other.close();
    p.close();
  });

  it('watches the stream only of answers whose items are decomposed further (not of the last level)', async () => {
    const p = project(server.url);
    const calls: string[] = [];
    const ask = p.api.generateObject.bind(p.api);
    p.api.generateObject = ((task, schema) => {
      calls.push(`${task.promptId} ${task.onProgress ? 'watched' : 'whole'}`);
      return ask(task, schema);
    }) as typeof p.api.generateObject;
    const out = await parsePrd(input(p, prdOptions({ noCache: true, complexityThreshold: 1, maxDepth: 2 })), {
      api: p.api,
      repo: p.repo,
    });
    expect(out.summary.depth).toBe(2);
    expect(calls[0]).toBe('parse-prd@v2 watched');
    expect(calls.slice(1)).toEqual(Array(out.tasks.length).fill('expand-task@v2 whole'));
    p.close();
  });

  it('resumes from checkpoints under --no-cache and produces the same tasks', async () => {
    const p = project(server.url);
    const first = await parsePrd(input(p, prdOptions({ noCache: true })), { api: p.api, repo: p.repo });
    const before = server.counts()['/api/chat'] ?? 0;
    const resumed = await parsePrd(
      { ...input(p, prdOptions({ noCache: true, resume: true })), mode: 'force' },
      { api: p.api, repo: p.repo },
    );
    expect((server.counts()['/api/chat'] ?? 0) - before).toBe(0);
    expect(resumed.summary.resumedNodes).toBeGreaterThan(0);
    expect(resumed.tasks).toEqual(first.tasks);
    p.close();
  });

  it('falls back to the structural planner when no model is reachable, and fails with --require-model', async () => {
    const p = project();
    const out = await parsePrd(input(p), { api: p.api, repo: p.repo });
    expect(out.structural?.reason).toBeTruthy();
    expect(out.tasks.map((t) => t.title)).toEqual(['Accounts', 'Saving bookmarks', 'Search', 'Non-functional']);
    expect(out.tasks[0]!.subtasks).toHaveLength(3);
    expect(out.tasks.every((t) => t.details.includes('[structural planner]'))).toBe(true);
    expect(p.repo.listRuns()[0]).toMatchObject({ structural: true, success: true });
    await expect(
      parsePrd({ ...input(p, prdOptions({ requireModel: true })), mode: 'force' }, { api: p.api, repo: p.repo }),
    ).rejects.toMatchObject({ code: 'NO_MODEL_AVAILABLE' });
    expect(p.repo.listRuns()[0]).toMatchObject({ success: false, errorCode: 'NO_MODEL_AVAILABLE' });
    p.close();
  });

  it('completes against a server failing 30% of calls with 500s, and fails cleanly (checkpoints kept, nothing written) when it always fails', async () => {
    const p = project(server.url);
    server.reset();
    server.failRate({ probability: 0.3, seed: 5, status: 500 });
    const out = await parsePrd(input(p, prdOptions({ noCache: true, complexityThreshold: 1, maxDepth: 3 })), {
      api: p.api,
      repo: p.repo,
    });
    server.reset();
    expect(out.summary.success).toBe(true);
    expect(out.summary.failures).toBeGreaterThan(0);
    expect(out.summary.depth).toBe(3);

    const q = project(server.url);
    server.fault({ kind: 'status', status: 500, times: 1000, path: /\/api\/chat$/ });
    await expect(
      parsePrd(input(q, prdOptions({ noCache: true })), { api: q.api, repo: q.repo }),
    ).rejects.toBeInstanceOf(AppError);
    server.reset();
    expect(q.repo.listRuns()[0]).toMatchObject({ success: false });
    expect(existsSync(q.paths.tasks)).toBe(false);
    p.close();
    q.close();
  }, 60_000);
});
