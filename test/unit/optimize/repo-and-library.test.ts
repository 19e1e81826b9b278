import { describe, expect, it } from 'vitest';
import { optimize } from '../../../src/optimize/index.js';
import { runOptimization } from '../../../src/optimize/run.js';
import { validateSpec } from '../../../src/optimize/spec.js';
import type { Evaluator, Genome } from '../../../src/optimize/types.js';
import { openDatabase, type DB } from '../../../src/storage/db.js';
import { OptimizeRepo } from '../../../src/storage/optimize-repo.js';

const RAW = {
  genome: { x: 3, flag: false },
  ranges: { x: { type: 'int', min: -20, max: 20 }, flag: { type: 'bool' } },
  population_size: 8,
  max_generations: 10,
  seed: 11,
};
const f = (g: Genome) => 100 - ((g.x as number) - 7) ** 2 - (g.flag ? 0 : 5);
const evaluator: Evaluator = async (gs) =>
  gs.map((g) => ((g.x as number) === -20 ? { ok: false, error: 'crashed at -20' } : { ok: true, fitness: f(g) }));

/** runOptimization of RAW's spec on `db` as a command target, with the evaluator (and resume id) of the case. */
const runRaw = (db: DB, o: { evaluator: Evaluator; resumeId?: string }) =>
  runOptimization({
    db,
    spec: validateSpec(RAW),
    rawSpec: RAW,
    target: 'command',
    evaluatorDescription: { type: 'test' },
    ...o,
  });

describe('optimize() library entry', () => {
  it('validates the template like a spec and finds the optimum', async () => {
    const r = await optimize({ x: 3, flag: false }, RAW.ranges as never, { fitness: f, config: { seed: 1 } });
    expect(r.best).toEqual({ genome: { x: 7, flag: true }, fitness: 100 });
    await expect(optimize({ y: 1 }, RAW.ranges as never, { fitness: f })).rejects.toThrow(
      'genome.y: has no range in ranges',
    );
  });

  it('turns a throwing or non-finite fitness into failed evaluations', async () => {
    const r = await optimize({ x: 3, flag: false }, RAW.ranges as never, {
      fitness: (g) => {
        if ((g.x as number) < 0) throw new Error('negative');
        return (g.x as number) === 0 ? NaN : f(g);
      },
      config: { seed: 2 },
    });
    expect(r.failures).toBeGreaterThan(0);
    expect(r.best!.fitness).toBe(100);
  });
});

describe('OptimizeRepo + runOptimization (in-memory SQLite)', () => {
  it('stores runs, generations and evaluations, and a resumed run reproduces the stored result', async () => {
    const db = openDatabase(':memory:');
    const a = await runRaw(db, { evaluator });
    const repo = new OptimizeRepo(db);
    const run = repo.getRun(a.run_id)!;
    expect(run).toMatchObject({
      status: 'finished',
      target: 'command',
      seed: 11,
      generations_done: 10,
      evaluations: a.evaluations,
    });
    expect(repo.generations(a.run_id)).toHaveLength(10);
    expect(JSON.parse(run.spec)).toEqual({ raw: RAW });

    // cut the stored run back to 3 finished generations, as a crash would leave it, and resume
    db.prepare('DELETE FROM optimize_generations WHERE run_id = ? AND gen >= 3').run(a.run_id);
    db.prepare("UPDATE optimize_runs SET status = 'running' WHERE id = ?").run(a.run_id);
    const state = repo.loadResume(a.run_id);
    expect(state.generations.map((g) => g.individuals.length)).toEqual([8, 8, 8]);
    const calls: number[] = [];
    const counting: Evaluator = async (gs) => {
      calls.push(gs.length);
      return evaluator(gs);
    };
    const b = await runRaw(db, { evaluator: counting, resumeId: a.run_id });
    expect(b.resumed_at).toBe(3);
    expect(b.best_individual).toEqual(a.best_individual);
    expect(b.generations).toEqual(a.generations);
    expect(b.evaluations).toBe(a.evaluations);
    // every genome was already stored; only earlier failures are retried
    const failedBefore = repo.failedEvaluations(a.run_id).length;
    expect(calls.reduce((s, n) => s + n, 0)).toBeLessThanOrEqual(failedBefore);
    expect(repo.listRuns().map((r) => r.id)).toEqual([a.run_id]);
    db.close();
  });

  it('keeps each evaluation as it ends: a generation cut short is not evaluated again on resume', async () => {
    const db = openDatabase(':memory:');
    const crashing: Evaluator = async (gs, onEach) => {
      gs.slice(0, 3).forEach((g, i) => onEach?.(i, { ok: true, fitness: f(g) }));
      throw new Error('killed');
    };
    await expect(runRaw(db, { evaluator: crashing })).rejects.toThrow('killed');
    const repo = new OptimizeRepo(db);
    const id = repo.listRuns()[0]!.id;
    expect(repo.getRun(id)).toMatchObject({ status: 'failed', error: 'killed', generations_done: 0 });
    const stored = repo.loadResume(id);
    expect(stored.generations).toEqual([]);
    expect(stored.evaluated.size).toBe(3);
    const asked: string[] = [];
    const counting: Evaluator = async (gs, onEach) => {
      asked.push(...gs.map((g) => JSON.stringify(g)));
      return evaluator(gs, onEach);
    };
    const r = await runRaw(db, { evaluator: counting, resumeId: id });
    expect(r.status).toBe('finished');
    const fresh = await runRaw(db, { evaluator });
    expect(r.best_individual).toEqual(fresh.best_individual);
    expect(r.evaluations).toBe(fresh.evaluations);
    expect(asked.length).toBe(fresh.evaluations - 3);
    db.close();
  });

  it('resuming an unknown run names it', async () => {
    const db = openDatabase(':memory:');
    await expect(runRaw(db, { evaluator, resumeId: 'opt-nope' })).rejects.toThrow('no optimization run opt-nope');
    db.close();
  });
});
