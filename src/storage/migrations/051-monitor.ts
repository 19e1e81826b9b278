import type { Migration } from './types.js';

/** CachedPerformanceMonitor: operation sessions, their custom metrics, and a keyed result cache. */
export const m051monitor: Migration = {
  id: 51,
  name: 'monitor: perf_sessions, perf_metrics, perf_cache, perf_cache_counters',
  sql: `
CREATE TABLE perf_sessions (
  id INTEGER PRIMARY KEY,
  component TEXT NOT NULL,
  operation TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  duration_ms REAL,
  ok INTEGER,
  error TEXT
);
CREATE INDEX perf_sessions_component ON perf_sessions(component, operation);

CREATE TABLE perf_metrics (
  id INTEGER PRIMARY KEY,
  session_id INTEGER REFERENCES perf_sessions(id) ON DELETE CASCADE,
  component TEXT NOT NULL,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  unit TEXT NOT NULL DEFAULT '',
  ts_ms INTEGER NOT NULL
);
CREATE INDEX perf_metrics_component ON perf_metrics(component, name);

CREATE TABLE perf_cache (
  key TEXT PRIMARY KEY,
  component TEXT NOT NULL,
  value TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE perf_cache_counters (
  component TEXT PRIMARY KEY,
  hits INTEGER NOT NULL DEFAULT 0,
  misses INTEGER NOT NULL DEFAULT 0
);
`,
};
