import { z } from 'zod';
import { redactText } from '../config/redact.js';
import { writeTx, type DB } from './db.js';
/** Status of a failure group or occurrence, as stored. */
export type FailureRowStatus = 'open' | 'recovered' | 'resolved';

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

/** One stored recovery attempt. */
export interface AttemptRow {
  id: number;
  failureId: number;
  tsMs: number;
  strategy: string;
  outcome: 'success' | 'failure' | 'skipped';
  durationMs: number;
  detail?: string;
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
  status: z.enum(['open', 'recovered', 'resolved']),
  diagnosis: z.string().nullable(),
  resolution: z.string().nullable(),
});

function toRecord(row: unknown): FailureGroupRow {
  const r = FailureRow.parse(row);
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    type: r.type,
    kind: r.kind,
    severity: r.severity,
    message: r.message,
    code: r.code ?? undefined,
    context: JSON.parse(r.context) as FailureGroupRow['context'],
    firstSeenMs: r.first_seen_ms,
    lastSeenMs: r.last_seen_ms,
    count: r.count,
    status: r.status,
    diagnosis: r.diagnosis ? (JSON.parse(r.diagnosis) as unknown) : undefined,
    resolution: r.resolution ?? undefined,
  };
}

/** One occurrence as stored for the status math. */
export interface FailureEventRow {
  failureId: number;
  type: string;
  tsMs: number;
  status: FailureRowStatus;
  recoveredMs: number | null;
}

/** All SQL of the recovery module: failure groups, occurrences and recovery attempts. */
export class RecoveryRepo {
  constructor(private readonly db: DB) {}

  /**
   * Records one occurrence: inserts the group or bumps it (and reopens it when it had recovered).
   * `recoveredBy` marks an occurrence the model API already recovered in-run.
   */
  record(f: FailureInput, nowMs: number, recoveredBy?: string): { failure: FailureGroupRow; eventId: number } {
    return writeTx(this.db, () => {
      const existing = this.db.prepare('SELECT id, status FROM failures WHERE fingerprint = ?').get(f.fingerprint) as
        | { id: number; status: FailureRowStatus }
        | undefined;
      let id: number;
      if (existing) {
        id = existing.id;
        // An occurrence the model API already recovered does not reopen the group; any other one does.
        this.db
          .prepare(
            `UPDATE failures SET last_seen_ms = ?, count = count + 1, message = ?, context = ?, severity = ?,
               status = CASE WHEN ? = 1 THEN (CASE WHEN status = 'open' THEN 'open' ELSE 'recovered' END) ELSE 'open' END,
               resolution = CASE WHEN ? = 1 THEN resolution ELSE NULL END
             WHERE id = ?`,
          )
          .run(
            nowMs,
            redactText(f.message),
            redactText(JSON.stringify(f.context)),
            f.severity,
            recoveredBy ? 1 : 0,
            recoveredBy ? 1 : 0,
            id,
          );
      } else {
        id = Number(
          this.db
            .prepare(
              `INSERT INTO failures (fingerprint, type, kind, severity, message, code, context, first_seen_ms, last_seen_ms, status)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              f.fingerprint,
              f.type,
              f.kind,
              f.severity,
              redactText(f.message),
              f.code ?? null,
              redactText(JSON.stringify(f.context)),
              nowMs,
              nowMs,
              recoveredBy ? 'recovered' : 'open',
            ).lastInsertRowid,
        );
      }
      const eventId = Number(
        this.db
          .prepare(
            `INSERT INTO failure_events (failure_id, ts_ms, component, operation, status, recovered_by, recovered_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            id,
            nowMs,
            f.context.component,
            f.context.operation,
            recoveredBy ? 'recovered' : 'open',
            recoveredBy ?? null,
            recoveredBy ? nowMs : null,
          ).lastInsertRowid,
      );
      if (recoveredBy) {
        this.db
          .prepare(
            `INSERT INTO recovery_attempts (failure_id, ts_ms, strategy, outcome, duration_ms, detail) VALUES (?, ?, ?, 'success', 0, ?)`,
          )
          .run(
            id,
            nowMs,
            recoveredBy === 'fallback' ? 'fallback_model' : recoveredBy,
            'recovered in-run by the model API',
          );
      }
      return { failure: this.get(id)!, eventId };
    });
  }

  /** A failure group by id. */
  get(id: number): FailureGroupRow | undefined {
    const row = this.db.prepare('SELECT * FROM failures WHERE id = ?').get(id);
    return row ? toRecord(row) : undefined;
  }

  /** A failure group by fingerprint. */
  getByFingerprint(fp: string): FailureGroupRow | undefined {
    const row = this.db.prepare('SELECT * FROM failures WHERE fingerprint = ?').get(fp);
    return row ? toRecord(row) : undefined;
  }

  /** Failure groups, newest first, optionally by status. */
  list(opts: { status?: FailureRowStatus[]; limit?: number } = {}): FailureGroupRow[] {
    const statuses = opts.status ?? ['open', 'recovered', 'resolved'];
    const rows = this.db
      .prepare(
        `SELECT * FROM failures WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY last_seen_ms DESC, id DESC LIMIT ?`,
      )
      .all(...statuses, opts.limit ?? 1000);
    return rows.map(toRecord);
  }

  /** Stores the diagnosis of a group. */
  setDiagnosis(id: number, d: unknown): void {
    writeTx(this.db, () =>
      this.db.prepare('UPDATE failures SET diagnosis = ? WHERE id = ?').run(JSON.stringify(d), id),
    );
  }

  /** Records one attempt; on success the group and its open occurrences become `status`. */
  recordAttempt(
    failureId: number,
    a: { strategy: string; outcome: AttemptRow['outcome']; durationMs: number; detail?: string },
    nowMs: number,
    onSuccess: { status: Exclude<FailureRowStatus, 'open'>; resolution: string } | undefined,
  ): void {
    writeTx(this.db, () => {
      this.db
        .prepare(
          'INSERT INTO recovery_attempts (failure_id, ts_ms, strategy, outcome, duration_ms, detail) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(failureId, nowMs, a.strategy, a.outcome, a.durationMs, a.detail ?? null);
      if (a.outcome === 'success' && onSuccess) {
        this.db
          .prepare('UPDATE failures SET status = ?, resolution = ? WHERE id = ?')
          .run(onSuccess.status, onSuccess.resolution, failureId);
        this.db
          .prepare(
            `UPDATE failure_events SET status = ?, recovered_by = ?, recovered_ms = ? WHERE failure_id = ? AND status = 'open'`,
          )
          .run(onSuccess.status, a.strategy, nowMs, failureId);
      }
    });
  }

  /** Attempts of one group, oldest first. */
  attempts(failureId: number): AttemptRow[] {
    const rows = this.db.prepare('SELECT * FROM recovery_attempts WHERE failure_id = ? ORDER BY id').all(failureId) as {
      id: number;
      failure_id: number;
      ts_ms: number;
      strategy: string;
      outcome: string;
      duration_ms: number;
      detail: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      failureId: r.failure_id,
      tsMs: r.ts_ms,
      strategy: r.strategy,
      outcome: r.outcome as AttemptRow['outcome'],
      durationMs: r.duration_ms,
      detail: r.detail ?? undefined,
    }));
  }

  /** Every occurrence with its group's type, for the status math. */
  events(sinceMs = 0): FailureEventRow[] {
    const rows = this.db
      .prepare(
        `SELECT e.failure_id, f.type, e.ts_ms, e.status, e.recovered_ms FROM failure_events e
         JOIN failures f ON f.id = e.failure_id WHERE e.ts_ms >= ? ORDER BY e.id`,
      )
      .all(sinceMs) as {
      failure_id: number;
      type: string;
      ts_ms: number;
      status: FailureRowStatus;
      recovered_ms: number | null;
    }[];
    return rows.map((r) => ({
      failureId: r.failure_id,
      type: r.type,
      tsMs: r.ts_ms,
      status: r.status,
      recoveredMs: r.recovered_ms,
    }));
  }
}
