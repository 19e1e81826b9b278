import { describe, expect, it } from 'vitest';
import { FailureRecoverySystem } from '../../../src/recovery/system.js';
import { migrate, openDatabase } from '../../../src/storage/db.js';
import { m001core } from '../../../src/storage/migrations/001-core.js';
import { m050recovery } from '../../../src/storage/migrations/050-recovery.js';
import { m051monitor } from '../../../src/storage/migrations/051-monitor.js';
import { m052recoveryHonest } from '../../../src/storage/migrations/052-recovery-honest.js';

describe('migration 52: honest recovery on an existing database', () => {
  it('keeps every failure, turns probe "recoveries" into cause_cleared, keeps in-run ones recovered', () => {
    const db = openDatabase(':memory:', { migrations: [m001core, m050recovery, m051monitor] });
    const group = db.prepare(
      `INSERT INTO failures (fingerprint, type, kind, severity, message, context, first_seen_ms, last_seen_ms, status)
       VALUES (?, 'SYSTEM_ERROR', 'server_unreachable', 'HIGH', 'refused', '{"component":"prd","operation":"object"}', 0, 0, ?)`,
    );
    const event = db.prepare(
      'INSERT INTO failure_events (failure_id, ts_ms, component, operation, status, recovered_by, recovered_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    group.run('a', 'recovered'); // recovered in-run by the model API (same instant)
    event.run(1, 100, 'prd', 'object', 'recovered', 'retry', 100);
    group.run('b', 'recovered'); // "recovered" by `recover --run` probing the server later
    event.run(2, 100, 'prd', 'object', 'recovered', 'retry', 5_000);
    group.run('c', 'recovered'); // a pull verified by a probe
    event.run(3, 100, 'prd', 'object', 'recovered', 'pull_model', 9_000);
    group.run('d', 'open');
    event.run(4, 100, 'prd', 'object', 'open', null, null);
    db.prepare(
      `INSERT INTO recovery_attempts (failure_id, ts_ms, strategy, outcome, duration_ms) VALUES (1, 100, 'retry', 'success', 0)`,
    ).run();
    db.prepare(`INSERT INTO perf_cache (key, component, value, created_ms) VALUES ('k', 'c', '1', 0)`).run();

    migrate(db, [m052recoveryHonest]);
    const sys = new FailureRecoverySystem({ db });
    expect(sys.list().map((g) => [g.fingerprint, g.status])).toEqual([
      ['d', 'open'],
      ['c', 'cause_cleared'],
      ['b', 'cause_cleared'],
      ['a', 'recovered'],
    ]);
    expect(sys.attempts(1)).toMatchObject([{ strategy: 'retry', outcome: 'success' }]);
    // no occurrence of the old data has a measured recovery time: none enters the mean
    expect(sys.status()).toMatchObject({ total_failures: 4, recovered: 1, cause_cleared: 2, mttr_ms: null });
    // the tables take the new statuses and links, with their foreign keys intact
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'perf_cache%'`).all()).toEqual([]);
    db.prepare('DELETE FROM failures WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM failure_events WHERE failure_id = 1').get()).toEqual({ n: 0 });
  });
});
