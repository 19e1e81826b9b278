import { describe, expect, it } from 'vitest';
import { analyse, MIN_CONFIDENCE } from '../../../src/learning/proposals.js';
import { configWith, memRepo, prdExp, stat } from './helpers.js';

// Model names are random per test run: proposals must come from the data, not from names.
const name = (p: string) => `${p}-${Math.random().toString(36).slice(2, 8)}:latest`;

describe('analyse (proposals from recorded data)', () => {
  it('proposes the model with clearly more valid answers for the role the worse one holds', () => {
    const { repo } = memRepo();
    const [weak, strong] = [name('m'), name('m')];
    for (let i = 0; i < 4; i++) repo.insert(prdExp([stat(weak, 3, 5), stat(strong, 4, 0)]), []);
    const a = analyse(configWith(weak), repo, repo.list());
    expect(a.proposals).toHaveLength(1);
    expect(a.proposals[0]!.change).toEqual({
      kind: 'role-model',
      role: 'main',
      from: weak,
      to: strong,
      provider: 'ollama',
    });
    expect(a.proposals[0]!.confidence).toBeGreaterThanOrEqual(MIN_CONFIDENCE);
    expect(a.proposals[0]!.evidence).toContain('20 schema failures');
    // The better model already holds the role: nothing to change.
    expect(
      analyse(configWith(strong), repo, repo.list()).proposals.filter((p) => p.change.kind === 'role-model'),
    ).toEqual([]);
  });

  it('contradictory or thin evidence gives a note with low confidence and no change', () => {
    const { repo } = memRepo();
    const [x, y] = [name('x'), name('y')];
    // x wins half the runs, y the other half: about equal overall.
    repo.insert(prdExp([stat(x, 5, 1), stat(y, 1, 3)]), []);
    repo.insert(prdExp([stat(x, 1, 3), stat(y, 5, 0)]), []);
    repo.insert(prdExp([stat(x, 3, 1), stat(y, 2, 2)]), []);
    const a = analyse(configWith(x), repo, repo.list());
    expect(a.proposals).toEqual([]);
    expect(a.notes.join('\n')).toMatch(/main: .*(inconclusive \(P=0\.[5-8]|does at least as well).*no change proposed/);

    const { repo: thin } = memRepo();
    thin.insert(prdExp([stat(x, 0, 2), stat(y, 2, 0)]), []);
    const t = analyse(configWith(x), thin, thin.list());
    expect(t.proposals).toEqual([]);
    expect(t.notes.join('\n')).toMatch(/only 2 recorded calls of .*; need 3|inconclusive/);
  });

  it('compares settings across runs: a concurrency whose runs fail is replaced by the one whose runs succeed', () => {
    const { repo } = memRepo();
    const m = name('m');
    for (let i = 0; i < 5; i++) repo.insert(prdExp([stat(m, 3, 0)], { concurrency: 16, success: false }), []);
    for (let i = 0; i < 5; i++) repo.insert(prdExp([stat(m, 3, 0)], { concurrency: 2, success: true }), []);
    const a = analyse(configWith(m, { concurrency: 16 }), repo, repo.list());
    expect(a.proposals.map((p) => p.change)).toContainEqual({ kind: 'setting', key: 'concurrency', from: 16, to: 2 });
  });

  it('proposes a longer request timeout when the ledger shows repeated timeouts', () => {
    const { db, repo } = memRepo();
    const m = name('slow');
    const ins = db.prepare(
      `INSERT INTO metrics (component, operation, provider, model, duration_ms, ok, error_code, cached) VALUES ('prd', 'object', 'ollama', ?, 1, ?, ?, 0)`,
    );
    for (let i = 0; i < 6; i++) ins.run(m, 0, 'TIMEOUT');
    for (let i = 0; i < 10; i++) ins.run(m, 1, null);
    const a = analyse(configWith(m), repo, []);
    expect(a.proposals.map((p) => p.change)).toContainEqual({
      kind: 'setting',
      key: 'timeouts.requestMs',
      from: 600_000,
      to: 1_200_000,
    });
  });
});
