import { randomUUID } from 'node:crypto';
import { AppError, abortedError, ValidationError, isAbortError } from '../errors.js';
import type { DB } from '../storage/db.js';
import { OptimizeRepo, type OptimizeRunRow } from '../storage/optimize-repo.js';
import { EvolutionaryOptimizer } from './engine.js';
import { validateSpec, type OptimizeSpec } from './spec.js';
import type { Evaluator, GenerationRecord, Genome } from './types.js';

/** Progress of a run, for progress bars and views. */
export type OptimizeProgress =
  | { type: 'start'; runId: string; maxGenerations: number; resumedAt: number }
  | { type: 'evaluating'; generation: number; pending: number }
  | { type: 'evaluated'; generation: number }
  | {
      type: 'generation';
      generation: number;
      maxGenerations: number;
      best: number | null;
      mean: number | null;
      evaluations: number;
      failures: number;
    };

/** What `optimize --json` prints. */
export interface OptimizeReport {
  run_id: string;
  status: 'running' | 'finished' | 'failed';
  best_individual: { genome: Genome; fitness: number } | null;
  generations: { best: number | null; mean: number | null }[];
  evaluations: number;
  failures: number;
  stop_reason: string | null;
  /** Generations finished before this session; 0 for a fresh run. */
  resumed_at?: number;
}

/** A stored evaluator description: enough to rebuild the evaluator when a run is resumed. */
export type EvaluatorDescription = { type: string; [k: string]: unknown };

export interface RunOptions {
  db: DB;
  spec: OptimizeSpec;
  /** command | llm | models: shown by `optimize list`. */
  target: string;
  evaluatorDescription: EvaluatorDescription;
  evaluator: Evaluator;
  onProgress?: (e: OptimizeProgress) => void;
  /**
   * Stops the run after the evaluations in flight are cancelled; evaluations that ended before the
   * signal are kept, so `--resume` continues from them (the run is marked failed: interrupted).
   */
  signal?: AbortSignal;
}

function newRunId(): string {
  return `opt-${randomUUID().slice(0, 8)}`;
}

/** The report of a stored run, as `optimize show --json` and a finished `--resume` give it. */
export function reportOf(repo: OptimizeRepo, run: OptimizeRunRow): OptimizeReport {
  return {
    run_id: run.id,
    status: run.status,
    best_individual:
      run.best_genome && run.best_fitness !== null
        ? { genome: JSON.parse(run.best_genome) as Genome, fitness: run.best_fitness }
        : null,
    generations: repo.generations(run.id).map((g) => ({ best: g.best, mean: g.mean })),
    evaluations: run.evaluations,
    failures: run.failures,
    stop_reason: run.stop_reason,
  };
}

/** A stored run's spec and evaluator, re-validated, for `--resume`. */
export function storedRun(
  db: DB,
  runId: string,
): { run: OptimizeRunRow; spec: OptimizeSpec; evaluator: EvaluatorDescription } {
  const run = new OptimizeRepo(db).getRun(runId);
  if (!run) {
    throw new AppError('NOT_FOUND', `no optimization run ${runId}`, {
      hint: 'list runs with `task-master-local optimize list`',
    });
  }
  const spec = JSON.parse(run.spec) as { raw: unknown };
  return { run, spec: validateSpec(spec.raw), evaluator: JSON.parse(run.evaluator) as EvaluatorDescription };
}

/**
 * Runs (or, with `resumeId`, continues) an optimization, storing every evaluation as it ends and every
 * generation as it finishes. A failure marks the run failed and rethrows; what was stored stays, so
 * `--resume` continues after the last finished generation.
 */
export async function runOptimization(
  o: RunOptions & { rawSpec: unknown; resumeId?: string },
): Promise<OptimizeReport> {
  const repo = new OptimizeRepo(o.db);
  const c = o.spec.evolution;
  let runId = o.resumeId;
  let resume: ReturnType<OptimizeRepo['loadResume']> | undefined;
  if (runId) {
    const run = repo.getRun(runId);
    if (!run)
      throw new ValidationError(`no optimization run ${runId}`, {
        hint: 'list runs with `task-master-local optimize list`',
      });
    if (run.status === 'finished') return { ...reportOf(repo, run), resumed_at: run.generations_done };
    resume = repo.loadResume(runId);
    repo.finishRun(runId, { status: 'running' });
  } else {
    runId = newRunId();
    repo.createRun({
      id: runId,
      target: o.target,
      spec: { raw: o.rawSpec },
      evaluator: o.evaluatorDescription,
      seed: c.seed,
    });
  }
  const id = runId;
  const resumedAt = resume?.generations.length ?? 0;
  o.onProgress?.({ type: 'start', runId: id, maxGenerations: c.maxGenerations, resumedAt });
  const hasTemplate = Object.keys(o.spec.genome).length > 0;
  const stored = new Set<string>();
  const engine: EvolutionaryOptimizer = new EvolutionaryOptimizer(
    o.spec.ranges,
    c,
    interruptible(o.evaluator, o.signal),
    {
      ...(hasTemplate ? { template: o.spec.genome } : {}),
      ...(o.spec.initial ? { initial: o.spec.initial } : {}),
      hooks: {
        onEvaluating: (e) => o.onProgress?.({ type: 'evaluating', generation: e.generation, pending: e.pending }),
        // each evaluation is stored as it ends, so a crash mid-generation loses none of them
        onEvaluatedOne: (ind, gen) => {
          repo.recordEvaluations(id, gen, [ind]);
          stored.add(ind.key);
        },
        onEvaluated: (batch, gen) => {
          repo.recordEvaluations(
            id,
            gen,
            batch.filter((b) => !stored.has(b.key)),
          );
          o.onProgress?.({ type: 'evaluated', generation: gen });
        },
        onGeneration: (rec: GenerationRecord) => {
          repo.recordGeneration(id, rec, engine.bestSoFar());
          o.onProgress?.({
            type: 'generation',
            generation: rec.generation,
            maxGenerations: c.maxGenerations,
            best: rec.best,
            mean: rec.mean,
            evaluations: rec.evaluations,
            failures: rec.failures,
          });
        },
      },
    },
  );
  try {
    const r = await engine.run(resume);
    repo.finishRun(id, { status: 'finished', stopReason: r.stopReason });
    return { ...reportOf(repo, repo.getRun(id)!), resumed_at: resumedAt };
  } catch (e) {
    if (o.signal?.aborted || isAbortError(e)) {
      repo.finishRun(id, { status: 'failed', error: 'interrupted' });
      const done = repo.getRun(id)?.generations_done ?? 0;
      throw abortedError(
        o.signal,
        `optimization run ${id} interrupted after ${done} generation(s); its evaluations are kept`,
        `continue with \`task-master-local optimize --resume ${id}\``,
        { run_id: id, generations: done },
      );
    }
    repo.finishRun(id, { status: 'failed', error: (e as Error).message });
    if (e instanceof AppError) {
      throw new AppError(e.code, `optimization run ${id}: ${e.message}`, {
        hint: `${e.hint ? `${e.hint}; ` : ''}continue with \`task-master-local optimize --resume ${id}\``,
        details: { ...e.details, run_id: id },
        cause: e,
      });
    }
    throw e;
  }
}

/**
 * The evaluator, stopped by `signal`: results that end after it fired (killed commands, cancelled
 * calls) are neither reported nor returned, so no interrupted evaluation is stored as a failure.
 */
function interruptible(evaluator: Evaluator, signal?: AbortSignal): Evaluator {
  if (!signal) return evaluator;
  const stop = () => abortedError(signal, 'optimization interrupted');
  return async (genomes, onEach) => {
    if (signal.aborted) throw stop();
    const results = await evaluator(genomes, onEach && ((i, r) => !signal.aborted && onEach(i, r)));
    if (signal.aborted) throw stop();
    return results;
  };
}
