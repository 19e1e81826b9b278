import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyProposals, configSnapshot, history } from '../../../src/learning/apply.js';
import { quality, readFeedback, refreshFeedback } from '../../../src/learning/feedback.js';
import type { ModelRef } from '../../../src/models/types.js';
import type { Proposal } from '../../../src/learning/types.js';
import { memRepo, prdExp, stat } from '../../unit/learning/helpers.js';

function tmp() {
  const root = mkdtempSync(join(tmpdir(), 'tml-learn-fb-'));
  mkdirSync(join(root, '.taskmaster/tasks'), { recursive: true });
  return root;
}

describe('feedback from tasks.json', () => {
  it('counts done/cancelled/deferred/removed tasks and subtasks edited by hand; quality drops with discarded tasks', () => {
    const root = tmp();
    const tasksPath = join(root, '.taskmaster/tasks/tasks.json');
    const task = (id: number, status: string, subtasks: number) => ({
      id,
      title: `t${id}`,
      status,
      subtasks: Array.from({ length: subtasks }, (_, i) => ({ id: i + 1 })),
    });
    writeFileSync(
      tasksPath,
      JSON.stringify({
        master: { tasks: [task(1, 'done', 3), task(2, 'cancelled', 2), task(3, 'deferred', 0), task(5, 'pending', 1)] },
      }),
    );
    const { repo } = memRepo();
    const e = prdExp([stat('m', 4, 0)]);
    e.written = { tasksPath, tag: 'master', subtasks: { 1: 2, 2: 2, 3: 1, 4: 2 } };
    e.id = repo.insert(e, []);
    expect(readFeedback(e)).toMatchObject({
      tasks: 4,
      done: 1,
      cancelled: 1,
      deferred: 1,
      removed: 1,
      subtasksAdded: 1,
      subtasksRemoved: 1,
    });
    expect(refreshFeedback(repo, [e])).toBe(1);
    const [stored] = repo.list();
    expect(stored!.feedback!.done).toBe(1);
    expect(quality(stored!)).toBe(0.5);
    // A file that is not JSON right now (being edited) is skipped, not an error.
    writeFileSync(tasksPath, '{ broken');
    expect(readFeedback(e)).toBeUndefined();
  });
});

describe('apply + history', () => {
  const ref = (model: string): ModelRef => ({
    alias: model,
    provider: 'ollama',
    model,
    endpoint: 'http://127.0.0.1:11434',
    capabilities: [],
    local: true,
  });

  it('backs up config.json, applies role and setting changes keeping other keys, records experiments, and measures the effect on later runs', async () => {
    const root = tmp();
    const configPath = join(root, '.taskmaster/config.json');
    const raw = {
      models: { main: { provider: 'ollama', modelId: 'slow:latest', maxTokens: 2048 } },
      global: { keep: 1 },
      local: { concurrency: 8 },
    };
    writeFileSync(configPath, JSON.stringify(raw));
    const { repo } = memRepo();
    const t0 = new Date(Date.now() - 60_000).toISOString();
    for (let i = 0; i < 3; i++) repo.insert(prdExp([stat('slow:latest', 2, 4)], { ts: t0 }), []);
    const proposals: Proposal[] = [
      {
        change: { kind: 'role-model', role: 'main', from: 'slow:latest', to: 'fast:latest' },
        evidence: '…',
        expected_effect: '…',
        confidence: 0.95,
        origin: 'statistics',
      },
      {
        change: { kind: 'setting', key: 'concurrency', from: 8, to: 2 },
        evidence: '…',
        expected_effect: '…',
        confidence: 0.92,
        origin: 'statistics',
      },
      {
        change: { kind: 'advice', key: 'depth', from: 2, to: 3 },
        evidence: '…',
        expected_effect: '…',
        confidence: 0.9,
        origin: 'statistics',
      },
    ];
    const setId = repo.saveProposals(configSnapshot(raw), proposals);
    const deps = {
      repo,
      configPath,
      backupDir: join(root, '.taskmaster/backups'),
      raw,
      trustedHosts: [],
      resolveModel: async (id: string) => ref(id),
    };
    const res = await applyProposals({ id: setId, config: configSnapshot(raw), proposals }, deps);
    expect(res.applied).toHaveLength(2);
    expect(res.advice).toHaveLength(1);
    const cfg = JSON.parse(readFileSync(configPath, 'utf8'));
    expect(cfg.models.main).toMatchObject({ provider: 'ollama', modelId: 'fast:latest', maxTokens: 2048 });
    expect(cfg.local.concurrency).toBe(2);
    expect(cfg.global).toEqual({ keep: 1 });
    expect(JSON.parse(readFileSync(res.backupPath!, 'utf8'))).toEqual(raw);
    expect(readdirSync(join(root, '.taskmaster/backups'))).toHaveLength(1);
    expect(repo.proposalSet(setId)!.applied).toBe(true);

    let h = history(repo);
    expect(h).toHaveLength(2);
    expect(h[0]!.experiment.baseline).toMatchObject({ runs: 3, schemaValidRate: 0.333 });
    expect(h[0]!.after.runs).toBe(0);
    repo.insert(prdExp([stat('fast:latest', 5, 0)], { ts: new Date(Date.now() + 1000).toISOString() }), []);
    h = history(repo);
    expect(h[0]!.after).toMatchObject({ runs: 1, schemaValidRate: 1 });
    expect(h[0]!.effect.schemaValidRate).toBeCloseTo(0.667, 3);

    // The same set against a config changed since: refused with the diff, nothing written.
    const before = readFileSync(configPath, 'utf8');
    await expect(
      applyProposals({ id: setId, config: configSnapshot(raw), proposals }, { ...deps, raw: cfg }),
    ).rejects.toThrow(/changed since .*models\.main: .*slow:latest.*fast:latest.*local\.concurrency: 8 → 2/);
    expect(readFileSync(configPath, 'utf8')).toBe(before);
  });

  it('resolves every model before writing: an unknown model leaves config.json untouched and makes no backup', async () => {
    const root = tmp();
    const configPath = join(root, '.taskmaster/config.json');
    writeFileSync(configPath, '{}');
    const { repo } = memRepo();
    const p: Proposal = {
      change: { kind: 'role-model', role: 'main', to: 'ghost' },
      evidence: '',
      expected_effect: '',
      confidence: 0.99,
      origin: 'statistics',
    };
    await expect(
      applyProposals(
        { config: configSnapshot({}), proposals: [p] },
        {
          repo,
          configPath,
          backupDir: join(root, 'b'),
          raw: {},
          trustedHosts: [],
          resolveModel: async () => {
            throw new Error('unknown model ghost');
          },
        },
      ),
    ).rejects.toThrow(/unknown model ghost/);
    expect(readFileSync(configPath, 'utf8')).toBe('{}');
    expect(repo.experiments()).toEqual([]);
  });
});
