/**
 * All SQL of the learning module: experiences with their per-model call statistics, context
 * vectors (one vec0 table per embedder and dimension, partitioned by task type), proposal sets,
 * experiments and the learned-routing log. Vector keys go to vec0 as BigInt (better-sqlite3 binds
 * JS numbers as doubles, which vec0 rejects).
 */
import { createHash } from 'node:crypto';
import { writeTx, type DB } from './db.js';
import {
  insertExperiments,
  insertRoute,
  readExperiments,
  readProposalSet,
  readRouteLog,
  saveProposalSet,
  type Experiment,
  type ExperimentInput,
  type ProposalSet,
  type RouteChoice,
} from './learning-plans-repo.js';
import type { ExperienceRow, FeedbackRow, ModelCallStatsRow, ModelTotals } from './learning-rows.js';

/** A model's call facts over grouped metrics rows: calls, answers, invalid answers, other failures, tokens, time. */
const METRICS_CALL_FACTS = `count(*) AS calls, sum(ok) AS ok,
           sum(CASE WHEN error_code = 'MODEL_OUTPUT_INVALID' THEN 1 ELSE 0 END) AS invalid,
           sum(CASE WHEN ok = 0 AND coalesce(error_code, '') <> 'MODEL_OUTPUT_INVALID' THEN 1 ELSE 0 END) AS errors,
           sum(prompt_tokens + completion_tokens) AS tokens, sum(duration_ms) AS duration_ms`;

/** The call facts of a row with the columns METRICS_CALL_FACTS (or the stats table's sums) names. */
function callFacts(r: Record<string, number | string | null>): ModelCallStatsRow {
  return {
    model: String(r.model),
    provider: String(r.provider ?? ''),
    calls: Number(r.calls),
    ok: Number(r.ok),
    invalid: Number(r.invalid),
    errors: Number(r.errors),
    tokens: Number(r.tokens),
    durationMs: Number(r.duration_ms),
  };
}

export type { Experiment, ExperimentInput, ProposalSet, RouteChoice } from './learning-plans-repo.js';
export type { ExperienceRow, FeedbackRow, ModelCallStatsRow, ModelTotals } from './learning-rows.js';

interface ExpRow {
  id: number;
  ts: string;
  task_type: string;
  source: string;
  run_id: string | null;
  context_json: string;
  action_json: string;
  outcome_json: string;
  feedback_json: string | null;
  written_json: string | null;
}

function toExperience(r: ExpRow): ExperienceRow {
  const e: ExperienceRow = {
    id: r.id,
    ts: r.ts,
    taskType: r.task_type,
    source: r.source,
    context: JSON.parse(r.context_json),
    action: JSON.parse(r.action_json),
    outcome: JSON.parse(r.outcome_json),
  };
  if (r.run_id) e.runId = r.run_id;
  if (r.feedback_json) e.feedback = JSON.parse(r.feedback_json);
  if (r.written_json) e.written = JSON.parse(r.written_json);
  return e;
}

const blob = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/**
 * Storage for experiences, vectors, proposals, experiments and routing choices. Storage knows rows
 * only: `E` and `P` are the learning layer's experience and proposal types (it names the pair
 * `LearningStore`); by default they are left open so any caller's repo fits the learning functions.
 */
// biome-ignore lint/suspicious/noExplicitAny: the defaults stay open; learning/types.ts names the concrete pair
export class LearningRepo<E extends ExperienceRow = any, P = any> {
  constructor(private readonly db: DB) {}

  /** The database this repo writes to (other repos of the same project share it). */
  get database(): DB {
    return this.db;
  }

  /** Stores an experience with its model stats and context vectors in one transaction; returns its id. */
  insert(e: E, vectors: { embedder: string; vector: Float32Array }[]): number {
    return writeTx(this.db, () => {
      const strategy = e.action.strategy ?? 'default';
      const schemaValid = e.outcome.schemaValid ?? e.outcome.success;
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO learning_experiences (ts, task_type, source, run_id, context_json, action_json, outcome_json, feedback_json,
               written_json, model, strategy, success, schema_valid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            e.ts ?? new Date().toISOString(),
            e.taskType,
            e.source,
            e.runId ?? null,
            JSON.stringify(e.context),
            JSON.stringify(e.action),
            JSON.stringify(e.outcome),
            e.feedback ? JSON.stringify(e.feedback) : null,
            e.written ? JSON.stringify(e.written) : null,
            e.action.model ?? null,
            strategy,
            e.outcome.success ? 1 : 0,
            schemaValid ? 1 : 0,
          ).lastInsertRowid,
      );
      const ins = this.db.prepare(
        `INSERT OR REPLACE INTO learning_model_stats (experience_id, model, provider, task_type, calls, ok, invalid, errors, tokens, duration_ms, recovered_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const s of e.modelStats ?? []) {
        ins.run(
          id,
          s.model,
          s.provider,
          s.taskType ?? null,
          s.calls,
          s.ok,
          s.invalid,
          s.errors,
          s.tokens,
          s.durationMs,
          s.recovered ? JSON.stringify(s.recovered) : null,
        );
      }
      for (const v of vectors) {
        const table = this.vecTable(v.embedder, v.vector.length);
        this.db
          .prepare(`INSERT INTO ${table} (experience_id, task_type, embedding) VALUES (?, ?, ?)`)
          .run(BigInt(id), e.taskType, blob(v.vector));
      }
      return id;
    });
  }

  /** True when an experience for this run id exists (recording is idempotent per run). */
  hasRun(runId: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM learning_experiences WHERE run_id = ?').get(runId);
  }

  /** Experiences, oldest first, optionally of one task type and/or after a timestamp. */
  list(q: { taskType?: string; since?: string; ids?: number[] } = {}): E[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.taskType) where.push('task_type = ?'), args.push(q.taskType);
    if (q.since) where.push('ts > ?'), args.push(q.since);
    if (q.ids) where.push('id IN (SELECT value FROM json_each(?))'), args.push(JSON.stringify(q.ids));
    const sql = `SELECT * FROM learning_experiences ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts, id`;
    const exps = (this.db.prepare(sql).all(...args) as ExpRow[]).map(toExperience) as E[];
    const stats = this.db.prepare('SELECT * FROM learning_model_stats WHERE experience_id = ?');
    for (const e of exps) {
      e.modelStats = (stats.all(e.id) as Record<string, unknown>[]).map((s) => ({
        model: String(s.model),
        provider: String(s.provider),
        ...(s.task_type ? { taskType: String(s.task_type) } : {}),
        calls: Number(s.calls),
        ok: Number(s.ok),
        invalid: Number(s.invalid),
        errors: Number(s.errors),
        tokens: Number(s.tokens),
        durationMs: Number(s.duration_ms),
        ...(s.recovered_json ? { recovered: JSON.parse(String(s.recovered_json)) } : {}),
      }));
    }
    return exps;
  }

  /** Number of experiences (of a task type). */
  count(taskType?: string): number {
    const r = taskType
      ? this.db.prepare('SELECT count(*) AS n FROM learning_experiences WHERE task_type = ?').get(taskType)
      : this.db.prepare('SELECT count(*) AS n FROM learning_experiences').get();
    return (r as { n: number }).n;
  }

  /** Stores feedback read back from tasks.json. */
  setFeedback(id: number, f: FeedbackRow): void {
    writeTx(
      this.db,
      () =>
        void this.db
          .prepare('UPDATE learning_experiences SET feedback_json = ? WHERE id = ?')
          .run(JSON.stringify(f), id),
    );
  }

  /** Per-model totals of fresh calls recorded in experiences (of a task type, after `since`). */
  modelTotals(q: { taskType?: string; since?: string } = {}): ModelTotals[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.taskType) where.push('e.task_type = ?'), args.push(q.taskType);
    if (q.since) where.push('e.ts > ?'), args.push(q.since);
    const rows = this.db
      .prepare(
        `SELECT s.model, s.provider, count(DISTINCT s.experience_id) AS runs, sum(s.calls) AS calls, sum(s.ok) AS ok, sum(s.invalid) AS invalid,
           sum(s.errors) AS errors, sum(s.tokens) AS tokens, sum(s.duration_ms) AS duration_ms,
           sum(coalesce(json_extract(s.recovered_json, '$.fallback'), 0)) AS fell_back
         FROM learning_model_stats s JOIN learning_experiences e ON e.id = s.experience_id
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY s.model, s.provider ORDER BY s.model`,
      )
      .all(...args) as Record<string, number | string>[];
    return rows.map((r) => ({ ...callFacts(r), runs: Number(r.runs), fellBack: Number(r.fell_back) }));
  }

  /**
   * Per-model totals straight from the metrics ledger over the newest `window` calls of a model-API
   * task type (fresh chat/object calls): what learned routing samples from, so it also learns from
   * runs not yet recorded, follows a model that got better or worse, and costs the same at any size.
   */
  metricsTotals(taskType: string, window = 5000): ModelTotals[] {
    const rows = this.db
      .prepare(
        `SELECT model, provider, count(DISTINCT run_id) AS runs, ${METRICS_CALL_FACTS}
         FROM (SELECT * FROM metrics INDEXED BY learning_metrics_task_recent WHERE task_type = ? AND cached = 0
               AND operation IN ('chat', 'object') ORDER BY id DESC LIMIT ?)
         GROUP BY model, provider`,
      )
      .all(taskType, window) as Record<string, number | string>[];
    return rows.map((r) => ({ ...callFacts(r), runs: Number(r.runs) }));
  }

  /** Per-model facts of one run from the metrics ledger (fresh calls only; cache hits teach nothing new). */
  runModelStats(runId: string): ModelCallStatsRow[] {
    const rows = this.db
      .prepare(
        `SELECT model, coalesce(provider, '') AS provider, task_type, ${METRICS_CALL_FACTS}
         FROM metrics WHERE run_id = ? AND cached = 0 AND operation IN ('chat', 'object') GROUP BY model, provider`,
      )
      .all(runId) as Record<string, number | string | null>[];
    return rows.map((r) => ({ ...callFacts(r), ...(r.task_type ? { taskType: String(r.task_type) } : {}) }));
  }

  /** Failed calls per model and error code in the metrics ledger (timeouts, HTTP errors…). */
  errorCodes(): { model: string; code: string; n: number }[] {
    return this.db
      .prepare(
        `SELECT model, error_code AS code, count(*) AS n FROM metrics WHERE ok = 0 AND error_code IS NOT NULL GROUP BY model, error_code`,
      )
      .all() as { model: string; code: string; n: number }[];
  }

  /** Fresh chat/object calls in the metrics ledger (the denominator of error rates). */
  freshCalls(): number {
    return (
      this.db
        .prepare(`SELECT count(*) AS n FROM metrics WHERE cached = 0 AND operation IN ('chat', 'object')`)
        .get() as { n: number }
    ).n;
  }

  /** Embedders that have a vector table, with their dimension. */
  vecTables(): { name: string; embedder: string; dimension: number }[] {
    return this.db.prepare('SELECT name, embedder, dimension FROM learning_vec_tables').all() as {
      name: string;
      embedder: string;
      dimension: number;
    }[];
  }

  /** k nearest experiences of a task type by cosine distance, in the embedder's table. */
  knn(embedder: string, query: Float32Array, k: number, taskType: string): { id: number; distance: number }[] {
    const t = this.vecTables().find((v) => v.embedder === embedder && v.dimension === query.length);
    if (!t) return [];
    return this.db
      .prepare(
        `SELECT experience_id AS id, distance FROM ${t.name} WHERE embedding MATCH ? AND k = ? AND task_type = ?`,
      )
      .all(blob(query), k, taskType) as { id: number; distance: number }[];
  }

  private vecTable(embedder: string, dimension: number): string {
    const found = this.vecTables().find((v) => v.embedder === embedder && v.dimension === dimension);
    if (found) return found.name;
    const name = `learning_vec_${createHash('sha256').update(`${embedder}|${dimension}`).digest('hex').slice(0, 12)}`;
    this.db.exec(`CREATE VIRTUAL TABLE ${name} USING vec0(
      experience_id integer primary key, task_type text partition key, embedding float[${dimension}] distance_metric=cosine)`);
    this.db.exec(
      `CREATE TRIGGER ${name}_ad AFTER DELETE ON learning_experiences BEGIN DELETE FROM ${name} WHERE experience_id = old.id; END`,
    );
    this.db
      .prepare('INSERT INTO learning_vec_tables (name, embedder, dimension) VALUES (?, ?, ?)')
      .run(name, embedder, dimension);
    return name;
  }

  /** Stores what `improve` proposed and the config it looked at; returns the set id. */
  saveProposals(config: Record<string, unknown>, proposals: P[], ts = new Date().toISOString()): number {
    return saveProposalSet(this.db, config, proposals, ts);
  }

  /** The newest proposal set, or a given one. */
  proposalSet(id?: number): ProposalSet<P> | undefined {
    return readProposalSet<P>(this.db, id);
  }

  /** Records applied changes (one experiment each) and marks the set applied, in one transaction. */
  recordExperiments(setId: number | undefined, items: ExperimentInput<P>[], ts = new Date().toISOString()): number[] {
    return insertExperiments(this.db, setId, items, ts);
  }

  /** Applied changes, oldest first. */
  experiments(): Experiment<P>[] {
    return readExperiments<P>(this.db);
  }

  /** Logs one learned-routing choice. */
  logRoute(r: RouteChoice): void {
    insertRoute(this.db, r);
  }

  /** Learned-routing choices, newest first. */
  routeLog(limit = 50): (RouteChoice & { ts: string })[] {
    return readRouteLog(this.db, limit);
  }
}
