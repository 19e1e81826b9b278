import { z } from 'zod';
import { StorageError } from '../errors.js';
import { writeTx, type DB } from './db.js';

/** A genome as stored: one JSON value per parameter. */
export type StoredGenome = Record<string, number | boolean | string>;

/** An evaluation as stored: a fitness, or the reason it failed. */
export type StoredFitness =
  | { ok: true; fitness: number; details?: Record<string, unknown>; durationMs?: number }
  | { ok: false; error: string; details?: Record<string, unknown>; durationMs?: number };

/** One evaluated genome of a generation. */
export interface StoredIndividual {
  genome: StoredGenome;
  key: string;
  result: StoredFitness;
}

/** One finished generation with its individuals, as stored and as a resumed run reads it back. */
export interface StoredGeneration {
  generation: number;
  individuals: StoredIndividual[];
  best: number | null;
  mean: number | null;
  diversity: number;
  evaluations: number;
  failures: number;
  immigrants: number;
}

const RunRow = z.object({
  id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  status: z.enum(['running', 'finished', 'failed']),
  target: z.string(),
  spec: z.string(),
  evaluator: z.string(),
  seed: z.number(),
  generations_done: z.number(),
  evaluations: z.number(),
  failures: z.number(),
  best_genome: z.string().nullable(),
  best_fitness: z.number().nullable(),
  stop_reason: z.string().nullable(),
  error: z.string().nullable(),
});
/** One optimization run as stored. `spec` and `evaluator` are JSON text. */
export type OptimizeRunRow = z.infer<typeof RunRow>;

const GenRow = z.object({
  gen: z.number(),
  best: z.number().nullable(),
  mean: z.number().nullable(),
  diversity: z.number(),
  evaluations: z.number(),
  failures: z.number(),
  immigrants: z.number(),
});
/** Summary of one finished generation. */
export type OptimizeGenerationRow = z.infer<typeof GenRow>;

const EvalRow = z.object({
  genome_key: z.string(),
  genome: z.string(),
  gen: z.number(),
  ok: z.number(),
  fitness: z.number().nullable(),
  error: z.string().nullable(),
  details: z.string().nullable(),
  duration_ms: z.number().nullable(),
});

function toResult(r: z.infer<typeof EvalRow>): StoredFitness {
  const extra = {
    ...(r.details ? { details: JSON.parse(r.details) as Record<string, unknown> } : {}),
    ...(r.duration_ms !== null ? { durationMs: r.duration_ms } : {}),
  };
  return r.ok ? { ok: true, fitness: r.fitness!, ...extra } : { ok: false, error: r.error ?? 'failed', ...extra };
}

/** All SQL of the optimize module. */
export class OptimizeRepo {
  constructor(private readonly db: DB) {}

  /** Starts a run record. */
  createRun(r: { id: string; target: string; spec: unknown; evaluator: unknown; seed: number }): void {
    writeTx(this.db, () =>
      this.db
        .prepare(
          `INSERT INTO optimize_runs (id, status, target, spec, evaluator, seed) VALUES (?, 'running', ?, ?, ?, ?)`,
        )
        .run(r.id, r.target, JSON.stringify(r.spec), JSON.stringify(r.evaluator), r.seed),
    );
  }

  /** Stores new evaluations as soon as a batch ends, so a crash loses none of them. */
  recordEvaluations(runId: string, gen: number, batch: StoredIndividual[]): void {
    const ins = this.db.prepare(
      `INSERT OR REPLACE INTO optimize_evaluations (run_id, genome_key, genome, gen, ok, fitness, error, details, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    writeTx(this.db, () => {
      for (const i of batch) {
        const r = i.result;
        ins.run(
          runId,
          i.key,
          JSON.stringify(i.genome),
          gen,
          r.ok ? 1 : 0,
          r.ok ? r.fitness : null,
          r.ok ? null : r.error,
          r.details ? JSON.stringify(r.details) : null,
          r.durationMs ?? null,
        );
      }
    });
  }

  /** Stores a finished generation with its individuals and updates the run's progress, in one transaction. */
  recordGeneration(runId: string, rec: StoredGeneration, best: { genome: StoredGenome; fitness: number } | null): void {
    writeTx(this.db, () => {
      this.db
        .prepare(`INSERT OR REPLACE INTO optimize_generations (run_id, gen, best, mean, diversity, evaluations, failures, immigrants)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(runId, rec.generation, rec.best, rec.mean, rec.diversity, rec.evaluations, rec.failures, rec.immigrants);
      const ins = this.db.prepare(
        'INSERT OR REPLACE INTO optimize_individuals (run_id, gen, idx, genome_key, genome) VALUES (?, ?, ?, ?, ?)',
      );
      rec.individuals.forEach((i, idx) => ins.run(runId, rec.generation, idx, i.key, JSON.stringify(i.genome)));
      this.db
        .prepare(`UPDATE optimize_runs SET generations_done = ?, evaluations = ?, failures = ?, best_genome = ?, best_fitness = ?,
                  updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`)
        .run(
          rec.generation + 1,
          rec.evaluations,
          rec.failures,
          best ? JSON.stringify(best.genome) : null,
          best?.fitness ?? null,
          runId,
        );
    });
  }

  /** Marks a run finished or failed. */
  finishRun(
    runId: string,
    r: { status: 'finished' | 'failed' | 'running'; stopReason?: string; error?: string },
  ): void {
    writeTx(this.db, () =>
      this.db
        .prepare(
          `UPDATE optimize_runs SET status = ?, stop_reason = ?, error = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`,
        )
        .run(r.status, r.stopReason ?? null, r.error ?? null, runId),
    );
  }

  /** One run, or undefined. */
  getRun(id: string): OptimizeRunRow | undefined {
    const row = this.db.prepare('SELECT * FROM optimize_runs WHERE id = ?').get(id);
    return row === undefined ? undefined : this.parse(RunRow, row);
  }

  /** Runs, newest first. */
  listRuns(limit = 50): OptimizeRunRow[] {
    return this.db
      .prepare('SELECT * FROM optimize_runs ORDER BY created_at DESC, rowid DESC LIMIT ?')
      .all(limit)
      .map((r) => this.parse(RunRow, r));
  }

  /** Generation summaries of a run, in order. */
  generations(runId: string): OptimizeGenerationRow[] {
    return this.db
      .prepare(
        'SELECT gen, best, mean, diversity, evaluations, failures, immigrants FROM optimize_generations WHERE run_id = ? ORDER BY gen',
      )
      .all(runId)
      .map((r) => this.parse(GenRow, r));
  }

  /** Failed evaluations of a run with their reasons. */
  failedEvaluations(runId: string, limit = 20): { genome: StoredGenome; gen: number; error: string }[] {
    return this.db
      .prepare('SELECT * FROM optimize_evaluations WHERE run_id = ? AND ok = 0 ORDER BY gen, rowid LIMIT ?')
      .all(runId, limit)
      .map((r) => this.parse(EvalRow, r))
      .map((r) => ({ genome: JSON.parse(r.genome) as StoredGenome, gen: r.gen, error: r.error ?? 'failed' }));
  }

  /**
   * What a resumed run needs: finished generations with their individuals, and every evaluation made,
   * including those of a generation the crash cut short.
   */
  loadResume(runId: string): { generations: StoredGeneration[]; evaluated: Map<string, StoredFitness> } {
    const all = new Map<string, StoredFitness>();
    for (const raw of this.db.prepare('SELECT * FROM optimize_evaluations WHERE run_id = ?').all(runId)) {
      const r = this.parse(EvalRow, raw);
      all.set(r.genome_key, toResult(r));
    }
    const indRows = this.db
      .prepare('SELECT gen, genome_key, genome FROM optimize_individuals WHERE run_id = ? ORDER BY gen, idx')
      .all(runId) as { gen: number; genome_key: string; genome: string }[];
    const generations: StoredGeneration[] = this.generations(runId).map((g) => ({
      generation: g.gen,
      best: g.best,
      mean: g.mean,
      diversity: g.diversity,
      evaluations: g.evaluations,
      failures: g.failures,
      immigrants: g.immigrants,
      individuals: [],
    }));
    for (const row of indRows) {
      const rec = generations[row.gen];
      const result = all.get(row.genome_key);
      if (!rec || rec.generation !== row.gen || !result) {
        throw new StorageError('STORAGE', `optimize run ${runId} is inconsistent at generation ${row.gen}`, {
          hint: 'start a new run; this one cannot be resumed',
        });
      }
      rec.individuals.push({ genome: JSON.parse(row.genome) as StoredGenome, key: row.genome_key, result });
    }
    return { generations, evaluated: all };
  }

  private parse<T>(schema: z.ZodType<T>, row: unknown): T {
    const r = schema.safeParse(row);
    if (!r.success) {
      throw new StorageError('STORAGE', `unexpected optimize row: ${r.error.issues[0]?.message}`, {
        hint: 'the database may be from a newer version; run `task-master-local recover --run`',
      });
    }
    return r.data;
  }
}
