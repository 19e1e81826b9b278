import { z } from 'zod';
import { redactText } from '../config/redact.js';
import { writeTx, type DB } from './db.js';

/**
 * Status of a failure group or occurrence, as stored: `recovered` = the operation that failed
 * succeeded afterwards; `cause_cleared` = a probe found the cause gone, nothing was replayed;
 * `resolved` = marked by hand.
 */
export type FailureRowStatus = 'open' | 'recovered' | 'cause_cleared' | 'resolved';

/** A classified failure to store (the recovery module classifies; storage only keeps the fields). */
export interface FailureInput {
  type: string;
  kind: string;
  severity: string;
  message: string;
  code?: string;
  fingerprint: string;
  context: { component: string; operation: string; [k: string]: unknown };
}

/** One occurrence: when it failed, the run it belonged to, and whether it was recovered in-run. */
export interface OccurrenceInput {
  atMs: number;
  runId?: string;
  /** The same request succeeded later in the same call (retry, re-ask, fallback): how, and when. */
  recovered?: { by: string; atMs: number; detail: string };
}

/** A stored failure group (one fingerprint), with its JSON fields parsed. */
export interface FailureGroupRow {
  id: number;
  fingerprint: string;
  type: string;
  kind: string;
  severity: string;
  message: string;
  code?: string;
  context: { component: string; operation: string; [k: string]: unknown };
  firstSeenMs: number;
  lastSeenMs: number;
  count: number;
  status: FailureRowStatus;
  diagnosis?: unknown;
  resolution?: string;
}

/** One stored recovery attempt; `verdict` is what a successful one did to the occurrences. */
export interface AttemptRow {
  id: number;
  failureId: number;
  tsMs: number;
  strategy: string;
  outcome: 'success' | 'failure' | 'skipped';
  verdict?: Exclude<FailureRowStatus, 'open'>;
  durationMs: number;
  detail?: string;
}

/** One occurrence as stored for the status math. */
export interface FailureEventRow {
  id: number;
  failureId: number;
  type: string;
  tsMs: number;
  component?: string;
  runId?: string;
  status: FailureRowStatus;
  recoveredBy?: string;
  recoveredMs?: number;
  attemptId?: number;
}

const FailureRow = z.object({
  id: z.number(),
  fingerprint: z.string(),
  type: z.string(),
  kind: z.string(),
  severity: z.string(),
  message: z.string(),
  code: z.string().nullable(),
  context: z.string(),
  first_seen_ms: z.number(),
  last_seen_ms: z.number(),
  count: z.number(),
  status: z.enum(['open', 'recovered', 'cause_cleared', 'resolved']),
  diagnosis: z.string().nullable(),
  resolution: z.string().nullable(),
});

function toGroup(row: unknown): FailureGroupRow {
  const r = FailureRow.parse(row);
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    type: r.type,
    kind: r.kind,
    severity: r.severity,
    message: r.message,
    ...(r.code !== null ? { code: r.code } : {}),
    context: JSON.parse(r.context) as FailureGroupRow['context'],
    firstSeenMs: r.first_seen_ms,
    lastSeenMs: r.last_seen_ms,
    count: r.count,
    status: r.status,
    ...(r.diagnosis ? { diagnosis: JSON.parse(r.diagnosis) as unknown } : {}),
    ...(r.resolution !== null ? { resolution: r.resolution } : {}),
  };
}

const opt = <K extends string, V>(k: K, v: V | null | undefined) =>
  (v === null || v === undefined ? {} : { [k]: v }) as { [P in K]?: V };

// A group is as bad as its worst occurrence: one still open keeps it open.
const GROUP_STATUS = `UPDATE failures SET status = CASE
  WHEN EXISTS (SELECT 1 FROM failure_events e WHERE e.failure_id = failures.id AND e.status = 'open') THEN 'open'
  WHEN EXISTS (SELECT 1 FROM failure_events e WHERE e.failure_id = failures.id AND e.status = 'cause_cleared') THEN 'cause_cleared'
  WHEN EXISTS (SELECT 1 FROM failure_events e WHERE e.failure_id = failures.id AND e.status = 'resolved') THEN 'resolved'
  ELSE 'recovered' END WHERE id = ?`;

/** All SQL of the recovery module: failure groups, occurrences, recovery attempts, interrupted runs. */
export class RecoveryRepo {
  constructor(private readonly db: DB) {}

  /** Records one occurrence: inserts the group or bumps it; an occurrence recovered in-run gets its attempt. */
  record(f: FailureInput, occ: OccurrenceInput): { failure: FailureGroupRow; eventId: number } {
    return writeTx(this.db, () => {
      const existing = this.db.prepare('SELECT id FROM failures WHERE fingerprint = ?').get(f.fingerprint) as
        | { id: number }
        | undefined;
      let id: number;
      if (existing) {
        id = existing.id;
        this.db
          .prepare(
            `UPDATE failures SET last_seen_ms = MAX(last_seen_ms, ?), count = count + 1, message = ?, context = ?, severity = ?,
               resolution = CASE WHEN ? = 1 THEN resolution ELSE NULL END WHERE id = ?`,
          )
          .run(
            occ.atMs,
            redactText(f.message),
            redactText(JSON.stringify(f.context)),
            f.severity,
            occ.recovered ? 1 : 0,
            id,
          );
      } else {
        id = Number(
          this.db
            .prepare(
              `INSERT INTO failures (fingerprint, type, kind, severity, message, code, context, first_seen_ms, last_seen_ms)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              f.fingerprint,
              f.type,
              f.kind,
              f.severity,
              redactText(f.message),
              f.code ?? null,
              redactText(JSON.stringify(f.context)),
              occ.atMs,
              occ.atMs,
            ).lastInsertRowid,
        );
      }
      const r = occ.recovered;
      const attemptId = r
        ? this.insertAttempt(id, {
            tsMs: r.atMs,
            strategy: r.by,
            outcome: 'success',
            verdict: 'recovered',
            durationMs: Math.max(0, r.atMs - occ.atMs),
            detail: r.detail,
          })
        : null;
      const eventId = Number(
        this.db
          .prepare(
            `INSERT INTO failure_events (failure_id, ts_ms, component, operation, run_id, status, recovered_by, recovered_ms, attempt_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            id,
            occ.atMs,
            f.context.component,
            f.context.operation,
            occ.runId ?? null,
            r ? 'recovered' : 'open',
            r?.by ?? null,
            r?.atMs ?? null,
            attemptId,
          ).lastInsertRowid,
      );
      if (r) this.db.prepare('UPDATE failures SET resolution = ? WHERE id = ?').run(`${r.by}: ${r.detail}`, id);
      this.db.prepare(GROUP_STATUS).run(id);
      return { failure: this.get(id)!, eventId };
    });
  }

  /** A failure group by id. */
  get(id: number): FailureGroupRow | undefined {
    const row = this.db.prepare('SELECT * FROM failures WHERE id = ?').get(id);
    return row ? toGroup(row) : undefined;
  }

  /** A failure group by fingerprint. */
  getByFingerprint(fp: string): FailureGroupRow | undefined {
    const row = this.db.prepare('SELECT * FROM failures WHERE fingerprint = ?').get(fp);
    return row ? toGroup(row) : undefined;
  }

  /** Failure groups, newest first, optionally by status. */
  list(opts: { status?: FailureRowStatus[]; limit?: number } = {}): FailureGroupRow[] {
    const statuses = opts.status ?? ['open', 'recovered', 'cause_cleared', 'resolved'];
    const rows = this.db
      .prepare(
        `SELECT * FROM failures WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY last_seen_ms DESC, id DESC LIMIT ?`,
      )
      .all(...statuses, opts.limit ?? 1000);
    return rows.map(toGroup);
  }

  /** Stores the diagnosis of a group. */
  setDiagnosis(id: number, d: unknown): void {
    writeTx(this.db, () =>
      this.db.prepare('UPDATE failures SET diagnosis = ? WHERE id = ?').run(JSON.stringify(d), id),
    );
  }

  private insertAttempt(failureId: number, a: Omit<AttemptRow, 'id' | 'failureId'>): number {
    return Number(
      this.db
        .prepare(
          'INSERT INTO recovery_attempts (failure_id, ts_ms, strategy, outcome, verdict, duration_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(failureId, a.tsMs, a.strategy, a.outcome, a.verdict ?? null, a.durationMs, a.detail ?? null)
        .lastInsertRowid,
    );
  }

  /**
   * Records one attempt on a group. With a verdict (only for a success), the occurrences of the
   * group in `from` statuses (and, if given, of these runs only) take it, pointing at the attempt.
   */
  recordAttempt(
    failureId: number,
    a: Omit<AttemptRow, 'id' | 'failureId'>,
    close?: { from: FailureRowStatus[]; runIds?: string[]; components?: string[]; resolution: string },
  ): { attemptId: number; closed: number } {
    return writeTx(this.db, () => {
      const attemptId = this.insertAttempt(failureId, a);
      let closed = 0;
      if (a.outcome === 'success' && a.verdict && close) {
        const where = [
          'failure_id = ?',
          `status IN (${close.from.map(() => '?').join(',')})`,
          ...(close.runIds ? [`run_id IN (${close.runIds.map(() => '?').join(',') || 'NULL'})`] : []),
          ...(close.components ? [`component IN (${close.components.map(() => '?').join(',') || 'NULL'})`] : []),
        ];
        closed = this.db
          .prepare(
            `UPDATE failure_events SET status = ?, recovered_by = ?, recovered_ms = ?, attempt_id = ? WHERE ${where.join(' AND ')}`,
          )
          .run(
            a.verdict,
            a.strategy,
            a.tsMs,
            attemptId,
            failureId,
            ...close.from,
            ...(close.runIds ?? []),
            ...(close.components ?? []),
          ).changes;
        if (closed > 0)
          this.db.prepare('UPDATE failures SET resolution = ? WHERE id = ?').run(close.resolution, failureId);
        this.db.prepare(GROUP_STATUS).run(failureId);
      }
      return { attemptId, closed };
    });
  }

  /** Attempts of one group, oldest first. */
  attempts(failureId: number): AttemptRow[] {
    const rows = this.db.prepare('SELECT * FROM recovery_attempts WHERE failure_id = ? ORDER BY id').all(failureId) as {
      id: number;
      failure_id: number;
      ts_ms: number;
      strategy: string;
      outcome: AttemptRow['outcome'];
      verdict: AttemptRow['verdict'] | null;
      duration_ms: number;
      detail: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      failureId: r.failure_id,
      tsMs: r.ts_ms,
      strategy: r.strategy,
      outcome: r.outcome,
      ...opt('verdict', r.verdict),
      durationMs: r.duration_ms,
      ...opt('detail', r.detail),
    }));
  }

  /** Occurrences since a time (all groups), or of some runs, with their group's type. */
  events(opts: { sinceMs?: number; runIds?: string[]; failureId?: number } = {}): FailureEventRow[] {
    const where = ['e.ts_ms >= ?'];
    const args: (string | number)[] = [opts.sinceMs ?? 0];
    if (opts.runIds) {
      where.push(`e.run_id IN (${opts.runIds.map(() => '?').join(',') || 'NULL'})`);
      args.push(...opts.runIds);
    }
    if (opts.failureId !== undefined) {
      where.push('e.failure_id = ?');
      args.push(opts.failureId);
    }
    const rows = this.db
      .prepare(
        `SELECT e.id, e.failure_id, f.type, e.ts_ms, e.component, e.run_id, e.status, e.recovered_by, e.recovered_ms, e.attempt_id
         FROM failure_events e JOIN failures f ON f.id = e.failure_id WHERE ${where.join(' AND ')} ORDER BY e.id`,
      )
      .all(...args) as {
      id: number;
      failure_id: number;
      type: string;
      ts_ms: number;
      component: string | null;
      run_id: string | null;
      status: FailureRowStatus;
      recovered_by: string | null;
      recovered_ms: number | null;
      attempt_id: number | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      failureId: r.failure_id,
      type: r.type,
      tsMs: r.ts_ms,
      ...opt('component', r.component),
      ...opt('runId', r.run_id),
      status: r.status,
      ...opt('recoveredBy', r.recovered_by),
      ...opt('recoveredMs', r.recovered_ms),
      ...opt('attemptId', r.attempt_id),
    }));
  }
}
