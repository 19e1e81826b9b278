import { redactText } from '../config/redact.js';
import { writeTx, type DB } from './db.js';

/** A run of a job that failed, with what is needed to run it again. */
export interface InterruptedRunRow {
  id: number;
  job: string;
  identity: string;
  input: unknown;
  status: 'interrupted' | 'resumed' | 'abandoned';
  failedMs: number;
  errorCode?: string;
  errorMessage?: string;
  resumedMs?: number;
  resumedByRun?: string;
  detail?: string;
  runIds: string[];
}

const opt = <K extends string, V>(k: K, v: V | null | undefined) =>
  (v === null || v === undefined ? {} : { [k]: v }) as { [P in K]?: V };

/**
 * Runs of jobs that failed (parse-prd, research loop, expand), kept with the input that runs them
 * again and every run id that tried, so `recover --run` can resume them and a later success of the
 * same job and input closes them.
 */
export class InterruptedRunsRepo {
  constructor(private readonly db: DB) {}

  /** Stores a failed run (or links `runId` to the open one with the same job and identity); returns its id. */
  recordInterruptedRun(r: {
    job: string;
    identity: string;
    input: unknown;
    runId: string;
    failedMs: number;
    errorCode?: string;
    errorMessage?: string;
  }): number {
    // Error messages can quote URLs with credentials in them.
    const message = r.errorMessage === undefined ? null : redactText(r.errorMessage);
    return writeTx(this.db, () => {
      const open = this.db
        .prepare(
          `SELECT id FROM interrupted_runs WHERE job = ? AND identity = ? AND status = 'interrupted' ORDER BY id DESC LIMIT 1`,
        )
        .get(r.job, r.identity) as { id: number } | undefined;
      const id =
        open?.id ??
        Number(
          this.db
            .prepare(
              'INSERT INTO interrupted_runs (job, identity, input, failed_ms, error_code, error_message) VALUES (?, ?, ?, ?, ?, ?)',
            )
            .run(r.job, r.identity, JSON.stringify(r.input), r.failedMs, r.errorCode ?? null, message).lastInsertRowid,
        );
      if (open)
        this.db
          .prepare('UPDATE interrupted_runs SET error_code = ?, error_message = ? WHERE id = ?')
          .run(r.errorCode ?? null, message, id);
      this.db
        .prepare('INSERT OR IGNORE INTO interrupted_run_ids (run_id, interrupted_id) VALUES (?, ?)')
        .run(r.runId, id);
      return id;
    });
  }

  /** Interrupted runs, oldest first, optionally by status or by job and identity. */
  interruptedRuns(
    opts: { status?: InterruptedRunRow['status'][]; job?: string; identity?: string } = {},
  ): InterruptedRunRow[] {
    const where: string[] = [];
    const args: string[] = [];
    if (opts.status) {
      where.push(`status IN (${opts.status.map(() => '?').join(',') || 'NULL'})`);
      args.push(...opts.status);
    }
    if (opts.job !== undefined) where.push('job = ?') && args.push(opts.job);
    if (opts.identity !== undefined) where.push('identity = ?') && args.push(opts.identity);
    const rows = this.db
      .prepare(`SELECT * FROM interrupted_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`)
      .all(...args) as {
      id: number;
      job: string;
      identity: string;
      input: string;
      status: InterruptedRunRow['status'];
      failed_ms: number;
      error_code: string | null;
      error_message: string | null;
      resumed_ms: number | null;
      resumed_by_run: string | null;
      detail: string | null;
    }[];
    const ids = this.db.prepare('SELECT run_id FROM interrupted_run_ids WHERE interrupted_id = ? ORDER BY rowid');
    return rows.map((r) => ({
      id: r.id,
      job: r.job,
      identity: r.identity,
      input: JSON.parse(r.input) as unknown,
      status: r.status,
      failedMs: r.failed_ms,
      ...opt('errorCode', r.error_code),
      ...opt('errorMessage', r.error_message),
      ...opt('resumedMs', r.resumed_ms),
      ...opt('resumedByRun', r.resumed_by_run),
      ...opt('detail', r.detail),
      runIds: (ids.all(r.id) as { run_id: string }[]).map((x) => x.run_id),
    }));
  }

  /** Marks an interrupted run resumed (by which run, when) or abandoned. */
  closeInterruptedRun(
    id: number,
    to: { status: 'resumed' | 'abandoned'; atMs: number; byRun?: string; detail: string },
  ): void {
    writeTx(this.db, () =>
      this.db
        .prepare('UPDATE interrupted_runs SET status = ?, resumed_ms = ?, resumed_by_run = ?, detail = ? WHERE id = ?')
        .run(to.status, to.atMs, to.byRun ?? null, to.detail, id),
    );
  }
}
