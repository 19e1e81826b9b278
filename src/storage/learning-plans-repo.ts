/**
 * SQL of what `improve` decides and does: proposal sets (with the config they were computed
 * against), applied changes (experiments with their baseline) and the learned-routing log. The
 * proposals themselves are JSON the learning module owns (`P`).
 */
import { writeTx, type DB } from './db.js';

/** A stored proposal set: what `improve` proposed against which config. */
export interface ProposalSet<P = unknown> {
  id: number;
  ts: string;
  config: Record<string, unknown>;
  proposals: P[];
  applied: boolean;
}

/** An applied change with the statistics measured before it. */
export interface Experiment<P = unknown> {
  id: number;
  ts: string;
  proposalSet?: number;
  change: P;
  backupPath: string;
  baseline: Record<string, unknown>;
}

/** An applied change to record. */
export interface ExperimentInput<P = unknown> {
  change: P;
  backupPath: string;
  baseline: Record<string, unknown>;
}

/** One learned-routing choice. */
export interface RouteChoice {
  taskType: string;
  chosen: string;
  greedy: string;
  explored: boolean;
  samples: Record<string, number>;
}

/** Stores a proposal set; returns its id. */
export function saveProposalSet(db: DB, config: Record<string, unknown>, proposals: unknown[], ts: string): number {
  return writeTx(db, () =>
    Number(
      db
        .prepare('INSERT INTO learning_proposal_sets (ts, config_json, proposals_json) VALUES (?, ?, ?)')
        .run(ts, JSON.stringify(config), JSON.stringify(proposals)).lastInsertRowid,
    ),
  );
}

/** The newest proposal set, or a given one. */
export function readProposalSet<P>(db: DB, id?: number): ProposalSet<P> | undefined {
  const r = (
    id === undefined
      ? db.prepare('SELECT * FROM learning_proposal_sets ORDER BY id DESC LIMIT 1').get()
      : db.prepare('SELECT * FROM learning_proposal_sets WHERE id = ?').get(id)
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
export function insertExperiments<P>(
  db: DB,
  setId: number | undefined,
  items: ExperimentInput<P>[],
  ts: string,
): number[] {
  return writeTx(db, () => {
    const ins = db.prepare(
      'INSERT INTO learning_experiments (ts, proposal_set, change_json, backup_path, baseline_json) VALUES (?, ?, ?, ?, ?)',
    );
    const ids = items.map((i) =>
      Number(
        ins.run(ts, setId ?? null, JSON.stringify(i.change), i.backupPath, JSON.stringify(i.baseline)).lastInsertRowid,
      ),
    );
    if (setId !== undefined) db.prepare('UPDATE learning_proposal_sets SET applied = 1 WHERE id = ?').run(setId);
    return ids;
  });
}

/** Applied changes, oldest first. */
export function readExperiments<P>(db: DB): Experiment<P>[] {
  return (db.prepare('SELECT * FROM learning_experiments ORDER BY id').all() as Record<string, unknown>[]).map((r) => ({
    id: Number(r.id),
    ts: String(r.ts),
    ...(r.proposal_set != null ? { proposalSet: Number(r.proposal_set) } : {}),
    change: JSON.parse(String(r.change_json)),
    backupPath: String(r.backup_path),
    baseline: JSON.parse(String(r.baseline_json)),
  }));
}

/** Logs one learned-routing choice. */
export function insertRoute(db: DB, r: RouteChoice): void {
  writeTx(
    db,
    () =>
      void db
        .prepare(
          'INSERT INTO learning_route_log (ts, task_type, chosen, greedy, explored, samples_json) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(new Date().toISOString(), r.taskType, r.chosen, r.greedy, r.explored ? 1 : 0, JSON.stringify(r.samples)),
  );
}

/** Learned-routing choices, newest first. */
export function readRouteLog(db: DB, limit: number): (RouteChoice & { ts: string })[] {
  return (
    db.prepare('SELECT * FROM learning_route_log ORDER BY id DESC LIMIT ?').all(limit) as Record<string, unknown>[]
  ).map((r) => ({
    ts: String(r.ts),
    taskType: String(r.task_type),
    chosen: String(r.chosen),
    greedy: String(r.greedy),
    explored: r.explored === 1,
    samples: JSON.parse(String(r.samples_json)),
  }));
}
