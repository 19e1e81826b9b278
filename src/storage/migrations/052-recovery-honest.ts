import type { Migration } from './types.js';

/**
 * Honest recovery figures. A failure is `recovered` only when the operation that failed succeeded
 * afterwards; a probe that finds the cause gone marks it `cause_cleared`. Occurrences remember the
 * run they belong to and the recovery attempt that ended them (MTTR is measured per attempt, from
 * the first failure it ended); interrupted runs keep what is needed to run them again.
 * SQLite cannot widen a CHECK constraint, so the three recovery tables are rebuilt (the new tables
 * are created under other names and renamed last: renaming rewrites the foreign keys that point at
 * them, and no DROP cascades into rows that are kept). The cachedCall tables go: nothing used them.
 * Rows recovered by a probe before this migration (`recover --run` verifying a server, a model or
 * a pull) become `cause_cleared`: those operations were never replayed.
 */
export const m052recoveryHonest: Migration = {
  id: 52,
  name: 'recovery: cause_cleared, occurrences linked to runs and attempts, interrupted runs',
  sql: `
CREATE TABLE failures_v2 (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  message TEXT NOT NULL,
  code TEXT,
  context TEXT NOT NULL DEFAULT '{}',
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  count INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','recovered','cause_cleared','resolved')),
  diagnosis TEXT,
  resolution TEXT
);
INSERT INTO failures_v2 SELECT id, fingerprint, type, kind, severity, message, code, context, first_seen_ms,
  last_seen_ms, count, status, diagnosis, resolution FROM failures;

CREATE TABLE recovery_attempts_v2 (
  id INTEGER PRIMARY KEY,
  failure_id INTEGER NOT NULL REFERENCES failures_v2(id) ON DELETE CASCADE,
  ts_ms INTEGER NOT NULL,
  strategy TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('success','failure','skipped')),
  verdict TEXT CHECK (verdict IN ('recovered','cause_cleared','resolved')),
  duration_ms REAL NOT NULL DEFAULT 0,
  detail TEXT
);
INSERT INTO recovery_attempts_v2 (id, failure_id, ts_ms, strategy, outcome, duration_ms, detail)
  SELECT id, failure_id, ts_ms, strategy, outcome, duration_ms, detail FROM recovery_attempts;

CREATE TABLE failure_events_v2 (
  id INTEGER PRIMARY KEY,
  failure_id INTEGER NOT NULL REFERENCES failures_v2(id) ON DELETE CASCADE,
  ts_ms INTEGER NOT NULL,
  component TEXT,
  operation TEXT,
  run_id TEXT,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','recovered','cause_cleared','resolved')),
  recovered_by TEXT,
  recovered_ms INTEGER,
  attempt_id INTEGER REFERENCES recovery_attempts_v2(id) ON DELETE SET NULL
);
INSERT INTO failure_events_v2 (id, failure_id, ts_ms, component, operation, status, recovered_by, recovered_ms)
  SELECT id, failure_id, ts_ms, component, operation,
    CASE WHEN status = 'recovered' AND (recovered_by IN ('pull_model', 'raise_timeout', 'fallback_model')
      OR (recovered_by = 'retry' AND recovered_ms > ts_ms)) THEN 'cause_cleared' ELSE status END,
    recovered_by, recovered_ms
  FROM failure_events;

DROP TABLE failure_events;
DROP TABLE recovery_attempts;
DROP TABLE failures;
ALTER TABLE failures_v2 RENAME TO failures;
ALTER TABLE recovery_attempts_v2 RENAME TO recovery_attempts;
ALTER TABLE failure_events_v2 RENAME TO failure_events;
CREATE INDEX failures_status ON failures(status, last_seen_ms);
CREATE INDEX recovery_attempts_failure ON recovery_attempts(failure_id);
CREATE INDEX failure_events_failure ON failure_events(failure_id, status);
CREATE INDEX failure_events_run ON failure_events(run_id) WHERE run_id IS NOT NULL;

UPDATE failures SET status = CASE
  WHEN EXISTS (SELECT 1 FROM failure_events e WHERE e.failure_id = failures.id AND e.status = 'open') THEN 'open'
  WHEN EXISTS (SELECT 1 FROM failure_events e WHERE e.failure_id = failures.id AND e.status = 'cause_cleared') THEN 'cause_cleared'
  WHEN EXISTS (SELECT 1 FROM failure_events e WHERE e.failure_id = failures.id AND e.status = 'resolved') THEN 'resolved'
  WHEN EXISTS (SELECT 1 FROM failure_events e WHERE e.failure_id = failures.id) THEN 'recovered'
  ELSE status END;

CREATE TABLE interrupted_runs (
  id INTEGER PRIMARY KEY,
  job TEXT NOT NULL,
  identity TEXT NOT NULL,
  input TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'interrupted' CHECK (status IN ('interrupted','resumed','abandoned')),
  failed_ms INTEGER NOT NULL,
  error_code TEXT,
  error_message TEXT,
  resumed_ms INTEGER,
  resumed_by_run TEXT,
  detail TEXT
);
CREATE INDEX interrupted_runs_identity ON interrupted_runs(job, identity, status);

CREATE TABLE interrupted_run_ids (
  run_id TEXT PRIMARY KEY,
  interrupted_id INTEGER NOT NULL REFERENCES interrupted_runs(id) ON DELETE CASCADE
);
CREATE INDEX interrupted_run_ids_run ON interrupted_run_ids(interrupted_id);

DROP TABLE perf_cache;
DROP TABLE perf_cache_counters;
`,
};
