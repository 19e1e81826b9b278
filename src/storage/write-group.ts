import type Database from 'better-sqlite3';

type DB = Database.Database;
type Statement = Database.Statement;

/** How many writes, or how long, a grouped transaction stays open before it commits. */
export interface GroupOptions {
  /** Writes per transaction (default 64). */
  rows?: number;
  /** Longest time a write waits for its commit (default 200 ms). */
  ms?: number;
}

const groups = new WeakMap<DB, WriteGroup>();

/** The open group of a connection, if any (writeTx joins it). */
export function groupOf(db: DB): WriteGroup | undefined {
  return groups.get(db);
}

/**
 * Groups the small writes of a long run (a checkpoint, a cached answer and a metrics row per model
 * call: thousands in a large parse-prd) into shared transactions instead of one commit each. While a
 * group is open, every writeTx on the connection runs as a savepoint inside one open transaction
 * (a failing write undoes only itself), committed after `rows` writes or `ms` milliseconds, and when
 * the group ends; the process's exit and the connection's close commit it too. The same connection
 * reads its writes at once; other processes see them at the commit, at most `ms` later, and a
 * crash loses at most that much (checkpoints a resumed run then asks again). Groups nest (the
 * outermost one commits). Returns the function that ends the group; it throws if a commit failed
 * (unless told not to: after a failed job, the job's own error says more).
 */
export function groupWrites(db: DB, o: GroupOptions = {}): (throwFailure?: boolean) => void {
  const existing = groups.get(db);
  const g = existing ?? new WriteGroup(db, o.rows ?? 64, o.ms ?? 200);
  if (!existing) groups.set(db, g);
  g.holders++;
  let ended = false;
  return (throwFailure = true) => {
    if (ended) return;
    ended = true;
    if (--g.holders > 0) return;
    groups.delete(db);
    g.end(throwFailure);
  };
}

/** Runs a long job with its writes grouped (groupWrites); a failed final commit fails a job that succeeded. */
export async function withGroupedWrites<T>(db: DB, fn: () => Promise<T>, o?: GroupOptions): Promise<T> {
  const end = groupWrites(db, o);
  let done = false;
  try {
    const r = await fn();
    done = true;
    return r;
  } finally {
    // After a failure, the job's own error says more than the commit's.
    end(done);
  }
}

export class WriteGroup {
  holders = 0;
  private open = false;
  /** Writes running now (a write may call writeTx again). */
  private active = 0;
  private rows = 0;
  private timer?: NodeJS.Timeout;
  private failed?: unknown;
  private readonly stmt: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'undo', Statement>;
  private readonly onExit = () => this.commitQuietly();
  private readonly close: DB['close'];

  constructor(
    private readonly db: DB,
    private readonly maxRows: number,
    private readonly maxMs: number,
  ) {
    this.stmt = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT tml_write'),
      release: db.prepare('RELEASE tml_write'),
      undo: db.prepare('ROLLBACK TO tml_write'),
    };
    process.on('exit', this.onExit);
    this.close = db.close;
    db.close = () => {
      this.commitQuietly();
      return this.close.call(db);
    };
  }

  /** Runs one write inside the group's transaction (opened on the first write after a commit). */
  run<T>(fn: () => T): T {
    if (this.failed !== undefined) {
      const e = this.failed;
      this.failed = undefined;
      throw e;
    }
    if (!this.open) {
      // Someone else's transaction (a raw BEGIN): join it as before, without grouping.
      if (this.db.inTransaction) return this.db.transaction(fn)();
      this.stmt.begin.run();
      this.open = true;
      this.rows = 0;
      this.timer = setTimeout(() => this.commitQuietly(), this.maxMs);
      this.timer.unref();
    }
    let r: T;
    this.active++;
    this.stmt.savepoint.run();
    try {
      r = fn();
      if (r && typeof (r as { then?: unknown }).then === 'function')
        throw new TypeError('a write transaction cannot return a promise');
      this.stmt.release.run();
    } catch (e) {
      if (this.db.inTransaction) {
        this.stmt.undo.run();
        this.stmt.release.run();
      } else this.closed(); // SQLite rolled the whole transaction back (disk full, I/O error)
      throw e;
    } finally {
      this.active--;
    }
    if (this.open && this.active === 0 && ++this.rows >= this.maxRows) this.commit();
    return r;
  }

  /** Commits what is pending and stops grouping (the end of the group). */
  end(throwFailure: boolean): void {
    process.removeListener('exit', this.onExit);
    this.db.close = this.close;
    this.commitQuietly();
    if (this.failed !== undefined && throwFailure) throw this.failed;
  }

  private commit(): void {
    if (!this.open || this.active > 0) return;
    this.closed();
    if (!this.db.inTransaction) return;
    try {
      this.stmt.commit.run();
    } catch (e) {
      if (this.db.inTransaction) this.stmt.rollback.run();
      throw e;
    }
  }

  /** A commit from a timer or at exit: a failure is kept and thrown by the next write or the end. */
  private commitQuietly(): void {
    try {
      this.commit();
    } catch (e) {
      this.failed ??= e;
    }
  }

  private closed(): void {
    this.open = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
