import type { Migration } from './types.js';

/** Failure groups (by fingerprint), their occurrences, and every recovery attempt. */
export const m050recovery: Migration = {
  id: 50,
  name: 'recovery: failures, failure_events, recovery_attempts',
  sql: `
CREATE TABLE failures (
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
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','recovered','resolved')),
  diagnosis TEXT,
  resolution TEXT
);
CREATE INDEX failures_status ON failures(status, last_seen_ms);

CREATE TABLE failure_events (
  id INTEGER PRIMARY KEY,
  failure_id INTEGER NOT NULL REFERENCES failures(id) ON DELETE CASCADE,
  ts_ms INTEGER NOT NULL,
  component TEXT,
  operation TEXT,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','recovered','resolved')),
  recovered_by TEXT,
  recovered_ms INTEGER
);
CREATE INDEX failure_events_failure ON failure_events(failure_id, status);

CREATE TABLE recovery_attempts (
  id INTEGER PRIMARY KEY,
  failure_id INTEGER NOT NULL REFERENCES failures(id) ON DELETE CASCADE,
  ts_ms INTEGER NOT NULL,
  strategy TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('success','failure','skipped')),
  duration_ms REAL NOT NULL DEFAULT 0,
  detail TEXT
);
CREATE INDEX recovery_attempts_failure ON recovery_attempts(failure_id);
`,
};
