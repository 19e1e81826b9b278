import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../src/learning/beta.js';
import { learnedRanker } from '../../../src/learning/routing.js';
import type { ModelRef } from '../../../src/models/types.js';
import { memRepo } from './helpers.js';

const ref = (model: string): ModelRef => ({
  alias: `local-${model}`,
  provider: 'ollama',
  model,
  endpoint: 'http://127.0.0.1:1',
  capabilities: [],
  local: true,
});

function ledger(db: ReturnType<typeof memRepo>['db'], model: string, ok: number, bad: number) {
  const ins = db.prepare(
    `INSERT INTO metrics (component, operation, provider, model, task_type, duration_ms, ok, error_code, cached) VALUES ('prd', 'object', 'ollama', ?, 'PLANNING', 1, ?, ?, 0)`,
  );
  for (let i = 0; i < ok; i++) ins.run(model, 1, null);
  for (let i = 0; i < bad; i++) ins.run(model, 0, 'MODEL_OUTPUT_INVALID');
}

describe('learnedRanker (Thompson sampling, bounded exploration)', () => {
  it('returns a permutation led by the better model, and logs every choice', () => {
    const { db, repo } = memRepo();
    ledger(db, 'good', 40, 2);
    ledger(db, 'bad', 5, 30);
    const rank = learnedRanker(() => repo, { rng: seededRng(3) });
    const cands = [ref('bad'), ref('good'), ref('unseen')];
    for (let i = 0; i < 20; i++) {
      const r = rank({ type: 'PLANNING' }, cands);
      expect(new Set(r)).toEqual(new Set(cands));
    }
    const log = repo.routeLog(100);
    expect(log).toHaveLength(20);
    expect(log.every((l) => l.greedy === 'local-good')).toBe(true);
    // 'bad' is hopeless against 'good' and is never explored; the unseen model may be, within the bound.
    expect(log.some((l) => l.chosen === 'local-bad')).toBe(false);
    expect(log.filter((l) => l.explored).length).toBeLessThanOrEqual(0.2 * 20);
  });

  it('explores an uncertain model at most the allowed share of decisions', () => {
    const { db, repo } = memRepo();
    ledger(db, 'a', 6, 4);
    ledger(db, 'b', 5, 5);
    const rank = learnedRanker(() => repo, { rng: seededRng(11), maxExploreShare: 0.1 });
    for (let i = 0; i < 50; i++) rank({ type: 'PLANNING' }, [ref('a'), ref('b')]);
    const log = repo.routeLog(100);
    expect(log.filter((l) => l.explored).length).toBeLessThanOrEqual(5);
    expect(log.filter((l) => l.explored).length).toBeGreaterThan(0);
  });

  it('explores the alternatives of a failing model more, until they have answered enough to judge', () => {
    const { db, repo } = memRepo();
    ledger(db, 'main', 5, 4); // 5/9 valid: failing often
    const rank = learnedRanker(() => repo, { rng: seededRng(5) });
    for (let i = 0; i < 20; i++) rank({ type: 'PLANNING' }, [ref('main'), ref('fallback')]);
    const explored = repo.routeLog(100).filter((l) => l.explored).length;
    expect(explored).toBeGreaterThan(0.2 * 20); // beyond the usual share
    expect(explored).toBeLessThanOrEqual(0.5 * 20);
    // Once the fallback has answered enough, the usual bound holds again.
    ledger(db, 'fallback', 12, 0);
    const again = learnedRanker(() => repo, { rng: seededRng(5) });
    for (let i = 0; i < 20; i++) again({ type: 'PLANNING' }, [ref('main'), ref('fallback')]);
    expect(
      repo
        .routeLog(100)
        .slice(0, 20)
        .every((l) => l.greedy === 'local-fallback'),
    ).toBe(true);
  });
  it('gives a failing model that is not the greedy choice no extra exploration', () => {
    // alpha failed twice (0 of 2 valid), beta answered once validly: beta is greedy, and alpha may lead only
    // within the usual 20% share, whatever the seed (the raised share is for the greedy model failing).
    for (let seed = 1; seed <= 30; seed++) {
      const { db, repo } = memRepo();
      ledger(db, 'alpha', 0, 2);
      ledger(db, 'beta', 1, 0);
      const rank = learnedRanker(() => repo, { rng: seededRng(seed) });
      for (let i = 0; i < 10; i++) rank({ type: 'PLANNING' }, [ref('alpha'), ref('beta')]);
      const log = repo.routeLog(100).reverse();
      log.forEach((l, d) => {
        expect(l.greedy).toBe('local-beta');
        expect(log.slice(0, d + 1).filter((x) => x.explored).length).toBeLessThanOrEqual(0.2 * (d + 1));
      });
    }
  });
});
