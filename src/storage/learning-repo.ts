/**
 * All SQL of the learning module: experiences with their per-model call statistics, context
 * vectors (one vec0 table per embedder and dimension, partitioned by task type), proposal sets,
 * experiments and the learned-routing log. Vector keys go to vec0 as BigInt (better-sqlite3 binds
 * JS numbers as doubles, which vec0 rejects).
 */
import { createHash } from 'node:crypto';
import type { LearningExperience, LearningFeedback, ModelCallStats, Proposal } from '../learning/types.js';
import { writeTx, type DB } from './db.js';

/** Per-model totals over many experiences (or metrics rows). */
export interface ModelTotals extends ModelCallStats {
  runs: number;
  /** Failed attempts of this model that ended in a fallback to another model. */
  fellBack?: number;
}

/** A stored proposal set: what `improve` proposed against which config. */
export interface ProposalSet {
  id: number;
  ts: string;
  config: Record<string, unknown>;
  proposals: Proposal[];
  applied: boolean;
}

/** An applied change with the statistics measured before it. */
export interface Experiment {
  id: number;
  ts: string;
  proposalSet?: number;
  change: Proposal;
  backupPath: string;
  baseline: Record<string, unknown>;
}

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

function toExperience(r: ExpRow): LearningExperience {
  const e: LearningExperience = {
    id: r.id,
    ts: r.ts,
    taskType: r.task_type as LearningExperience['taskType'],
    source: r.source as LearningExperience['source'],
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

/** Storage for experiences, vectors, proposals, experiments and routing choices. */
export class LearningRepo {
  constructor(private readonly db: DB) {}

  /** The database this repo writes to (other repos of the same project share it). */
  get database(): DB {
    return this.db;
  }

  /** Stores an experience with its model stats and context vectors in one transaction; returns its id. */
  insert(e: LearningExperience, vectors: { embedder: string; vector: Float32Array }[]): number {
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
  list(q: { taskType?: string; since?: string; ids?: number[] } = {}): LearningExperience[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.taskType) where.push('task_type = ?'), args.push(q.taskType);
    if (q.since) where.push('ts > ?'), args.push(q.since);
    if (q.ids) where.push('id IN (SELECT value FROM json_each(?))'), args.push(JSON.stringify(q.ids));
    const sql = `SELECT * FROM learning_experiences ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts, id`;
    const exps = (this.db.prepare(sql).all(...args) as ExpRow[]).map(toExperience);
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
  setFeedback(id: number, f: LearningFeedback): void {
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
    return rows.map((r) => ({
      model: String(r.model),
      provider: String(r.provider),
      runs: Number(r.runs),
      calls: Number(r.calls),
      ok: Number(r.ok),
      invalid: Number(r.invalid),
      errors: Number(r.errors),
      tokens: Number(r.tokens),
      durationMs: Number(r.duration_ms),
      fellBack: Number(r.fell_back),
    }));
  }

  /**
   * Per-model totals straight from the metrics ledger over the newest `window` calls of a model-API
   * task type (fresh chat/object calls): what learned routing samples from, so it also learns from
   * runs not yet recorded, follows a model that got better or worse, and costs the same at any size.
   */
  metricsTotals(taskType: string, window = 5000): ModelTotals[] {
    const rows = this.db
      .prepare(
        `SELECT model, provider, count(DISTINCT run_id) AS runs, count(*) AS calls, sum(ok) AS ok,
           sum(CASE WHEN error_code = 'MODEL_OUTPUT_INVALID' THEN 1 ELSE 0 END) AS invalid,
           sum(CASE WHEN ok = 0 AND coalesce(error_code, '') <> 'MODEL_OUTPUT_INVALID' THEN 1 ELSE 0 END) AS errors,
           sum(prompt_tokens + completion_tokens) AS tokens, sum(duration_ms) AS duration_ms
         FROM (SELECT * FROM metrics INDEXED BY learning_metrics_task_recent WHERE task_type = ? AND cached = 0
               AND operation IN ('chat', 'object') ORDER BY id DESC LIMIT ?)
         GROUP BY model, provider`,
      )
      .all(taskType, window) as Record<string, number | string>[];
    return rows.map((r) => ({
      model: String(r.model),
      provider: String(r.provider ?? ''),
      runs: Number(r.runs),
      calls: Number(r.calls),
      ok: Number(r.ok),
      invalid: Number(r.invalid),
      errors: Number(r.errors),
      tokens: Number(r.tokens),
      durationMs: Number(r.duration_ms),
    }));
  }

  /** Per-model facts of one run from the metrics ledger (fresh calls only; cache hits teach nothing new). */
  runModelStats(runId: string): ModelCallStats[] {
    const rows = this.db
      .prepare(
        `SELECT model, coalesce(provider, '') AS provider, task_type, count(*) AS calls, sum(ok) AS ok,
           sum(CASE WHEN error_code = 'MODEL_OUTPUT_INVALID' THEN 1 ELSE 0 END) AS invalid,
           sum(CASE WHEN ok = 0 AND coalesce(error_code, '') <> 'MODEL_OUTPUT_INVALID' THEN 1 ELSE 0 END) AS errors,
           sum(prompt_tokens + completion_tokens) AS tokens, sum(duration_ms) AS duration_ms
         FROM metrics WHERE run_id = ? AND cached = 0 AND operation IN ('chat', 'object') GROUP BY model, provider`,
      )
      .all(runId) as Record<string, number | string | null>[];
    return rows.map((r) => ({
      model: String(r.model),
      provider: String(r.provider),
      ...(r.task_type ? { taskType: String(r.task_type) } : {}),
      calls: Number(r.calls),
      ok: Number(r.ok),
      invalid: Number(r.invalid),
      errors: Number(r.errors),
      tokens: Number(r.tokens),
      durationMs: Number(r.duration_ms),
    }));
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
  saveProposals(config: Record<string, unknown>, proposals: Proposal[], ts = new Date().toISOString()): number {
    return writeTx(this.db, () =>
      Number(
        this.db
          .prepare('INSERT INTO learning_proposal_sets (ts, config_json, proposals_json) VALUES (?, ?, ?)')
          .run(ts, JSON.stringify(config), JSON.stringify(proposals)).lastInsertRowid,
      ),
    );
  }

  /** The newest proposal set, or a given one. */
  proposalSet(id?: number): ProposalSet | undefined {
    const r = (
      id === undefined
        ? this.db.prepare('SELECT * FROM learning_proposal_sets ORDER BY id DESC LIMIT 1').get()
        : this.db.prepare('SELECT * FROM learning_proposal_sets WHERE id = ?').get(id)
    ) as Record<string, unknown> | undefined;
    if (!r) return undefined;
    return {
      id: Number(r.id),
      ts: String(r.ts),
      config: JSON.parse(String(r.config_json)),
      proposals: JSON.parse(String(r.proposals_json)),
      applied: r.applied === 1,
    };
  }

  /** Records applied changes (one experiment each) and marks the set applied, in one transaction. */
  recordExperiments(
    setId: number | undefined,
    items: { change: Proposal; backupPath: string; baseline: Record<string, unknown> }[],
    ts = new Date().toISOString(),
  ): number[] {
    return writeTx(this.db, () => {
      const ins = this.db.prepare(
        'INSERT INTO learning_experiments (ts, proposal_set, change_json, backup_path, baseline_json) VALUES (?, ?, ?, ?, ?)',
      );
      const ids = items.map((i) =>
        Number(
          ins.run(ts, setId ?? null, JSON.stringify(i.change), i.backupPath, JSON.stringify(i.baseline))
            .lastInsertRowid,
        ),
      );
      if (setId !== undefined) this.db.prepare('UPDATE learning_proposal_sets SET applied = 1 WHERE id = ?').run(setId);
      return ids;
    });
  }

  /** Applied changes, oldest first. */
  experiments(): Experiment[] {
    return (this.db.prepare('SELECT * FROM learning_experiments ORDER BY id').all() as Record<string, unknown>[]).map(
      (r) => ({
        id: Number(r.id),
        ts: String(r.ts),
        ...(r.proposal_set != null ? { proposalSet: Number(r.proposal_set) } : {}),
        change: JSON.parse(String(r.change_json)),
        backupPath: String(r.backup_path),
        baseline: JSON.parse(String(r.baseline_json)),
      }),
    );
  }

  /** Logs one learned-routing choice. */
  logRoute(r: {
    taskType: string;
    chosen: string;
    greedy: string;
    explored: boolean;
    samples: Record<string, number>;
  }): void {
    writeTx(
      this.db,
      () =>
        void this.db
          .prepare(
            'INSERT INTO learning_route_log (ts, task_type, chosen, greedy, explored, samples_json) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(new Date().toISOString(), r.taskType, r.chosen, r.greedy, r.explored ? 1 : 0, JSON.stringify(r.samples)),
    );
  }

  /** Learned-routing choices, newest first. */
  routeLog(limit = 50): {
    ts: string;
    taskType: string;
    chosen: string;
    greedy: string;
    explored: boolean;
    samples: Record<string, number>;
  }[] {
    return (
      this.db.prepare('SELECT * FROM learning_route_log ORDER BY id DESC LIMIT ?').all(limit) as Record<
        string,
        unknown
      >[]
    ).map((r) => ({
      ts: String(r.ts),
      taskType: String(r.task_type),
      chosen: String(r.chosen),
      greedy: String(r.greedy),
      explored: r.explored === 1,
      samples: JSON.parse(String(r.samples_json)),
    }));
  }
}
