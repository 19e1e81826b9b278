import { writeTx, type DB } from './db.js';

/** One model call as the degradation detectors read it (a row of the metrics table). */
export interface CallSampleRow {
  tsMs: number;
  model: string;
  provider?: string;
  host?: string;
  durationMs: number;
  ok: boolean;
  cached: boolean;
  promptTokens: number;
}

/** Calls to one host, for the privacy report. */
export interface HostCalls {
  host: string;
  local: boolean;
  providers: string[];
  models: string[];
  calls: number;
  cached: number;
  failed: number;
  refused: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** One model call's figures, for per-component stats. */
export interface CallStatRow {
  component: string;
  durationMs: number;
  cached: boolean;
  ok: boolean;
  promptTokens: number;
  /** Of promptTokens, those the server served from its KV cache. */
  cachedPromptTokens: number;
  completionTokens: number;
}

/** One monitored operation, for per-component stats. */
export interface SessionRow {
  component: string;
  operation: string;
  durationMs: number;
  ok: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** All SQL of the monitor: reads of the metrics ledger, and the CachedPerformanceMonitor's sessions and metrics. */
export class MonitorRepo {
  constructor(private readonly db: DB) {}

  /** sqlite-vec's version, e.g. v0.1.9. */
  vecVersion(): string {
    return (this.db.prepare('SELECT vec_version() AS v').get() as { v: string }).v;
  }

  /** `PRAGMA integrity_check` joined into one string ('ok' when sound). */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
  }

  /** Model calls since a time, oldest first, for the degradation detectors. */
  callSamples(sinceMs = 0): CallSampleRow[] {
    const rows = this.db
      .prepare(
        `SELECT ts, model, provider, host, duration_ms, ok, cached, prompt_tokens FROM metrics
         WHERE ts >= ? AND model IS NOT NULL AND operation IN ('chat','object') ORDER BY ts, id`,
      )
      .all(iso(sinceMs)) as {
      ts: string;
      model: string;
      provider: string | null;
      host: string | null;
      duration_ms: number;
      ok: number;
      cached: number;
      prompt_tokens: number;
    }[];
    return rows.map((r) => ({
      tsMs: Date.parse(r.ts),
      model: r.model,
      provider: r.provider ?? undefined,
      host: r.host ?? undefined,
      durationMs: r.duration_ms,
      ok: r.ok === 1,
      cached: r.cached === 1,
      promptTokens: r.prompt_tokens,
    }));
  }

  /** Every recorded model call grouped by host; a refused call (PRIVACY_REFUSED) never opened a socket. */
  callsByHost(sinceMs = 0): HostCalls[] {
    const rows = this.db
      .prepare(
        `SELECT COALESCE(host, '(none)') AS host, MAX(COALESCE(local, 0)) AS local,
           GROUP_CONCAT(DISTINCT provider) AS providers, GROUP_CONCAT(DISTINCT model) AS models,
           COUNT(*) AS calls, SUM(cached) AS cached, SUM(CASE WHEN ok = 0 THEN 1 ELSE 0 END) AS failed,
           SUM(CASE WHEN error_code = 'PRIVACY_REFUSED' THEN 1 ELSE 0 END) AS refused,
           SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens
         FROM metrics WHERE ts >= ? GROUP BY COALESCE(host, '(none)'), COALESCE(local, 0) ORDER BY calls DESC`,
      )
      .all(iso(sinceMs)) as (Omit<HostCalls, 'local' | 'providers' | 'models'> & {
      local: number;
      providers: string | null;
      models: string | null;
    })[];
    return rows.map((r) => ({
      ...r,
      local: r.local === 1,
      providers: r.providers ? r.providers.split(',') : [],
      models: r.models ? r.models.split(',') : [],
    }));
  }

  /** Per-call figures since a time. */
  callStats(sinceMs = 0): CallStatRow[] {
    const rows = this.db
      .prepare(
        'SELECT component, duration_ms, cached, ok, prompt_tokens, cached_prompt_tokens, completion_tokens FROM metrics WHERE ts >= ?',
      )
      .all(iso(sinceMs)) as {
      component: string;
      duration_ms: number;
      cached: number;
      ok: number;
      prompt_tokens: number;
      cached_prompt_tokens: number;
      completion_tokens: number;
    }[];
    return rows.map((r) => ({
      component: r.component,
      durationMs: r.duration_ms,
      cached: r.cached === 1,
      ok: r.ok === 1,
      promptTokens: r.prompt_tokens,
      cachedPromptTokens: r.cached_prompt_tokens,
      completionTokens: r.completion_tokens,
    }));
  }

  /** Opens a monitored-operation session; returns its id. */
  startSession(component: string, operation: string, startedMs: number): number {
    return writeTx(this.db, () =>
      Number(
        this.db
          .prepare('INSERT INTO perf_sessions (component, operation, started_ms) VALUES (?, ?, ?)')
          .run(component, operation, startedMs).lastInsertRowid,
      ),
    );
  }

  /** Closes a session with its duration and outcome. */
  endSession(id: number, durationMs: number, ok: boolean, error?: string): void {
    writeTx(this.db, () =>
      this.db
        .prepare('UPDATE perf_sessions SET duration_ms = ?, ok = ?, error = ? WHERE id = ?')
        .run(durationMs, ok ? 1 : 0, error ?? null, id),
    );
  }

  /** Stores one custom metric of a session. */
  addMetric(
    sessionId: number | null,
    component: string,
    name: string,
    value: number,
    unit: string,
    tsMs: number,
  ): void {
    writeTx(this.db, () =>
      this.db
        .prepare('INSERT INTO perf_metrics (session_id, component, name, value, unit, ts_ms) VALUES (?, ?, ?, ?, ?, ?)')
        .run(sessionId, component, name, value, unit, tsMs),
    );
  }

  /** Finished sessions since a time. */
  sessions(sinceMs = 0): SessionRow[] {
    const rows = this.db
      .prepare(
        'SELECT component, operation, duration_ms, ok FROM perf_sessions WHERE started_ms >= ? AND duration_ms IS NOT NULL',
      )
      .all(sinceMs) as { component: string; operation: string; duration_ms: number; ok: number }[];
    return rows.map((r) => ({
      component: r.component,
      operation: r.operation,
      durationMs: r.duration_ms,
      ok: r.ok === 1,
    }));
  }

  /** Custom metrics summed per component and name. */
  metricTotals(
    sinceMs = 0,
  ): { component: string; name: string; unit: string; count: number; sum: number; avg: number }[] {
    return this.db
      .prepare(
        `SELECT component, name, unit, COUNT(*) AS count, SUM(value) AS sum, AVG(value) AS avg FROM perf_metrics
         WHERE ts_ms >= ? GROUP BY component, name, unit ORDER BY component, name`,
      )
      .all(sinceMs) as { component: string; name: string; unit: string; count: number; sum: number; avg: number }[];
  }
}
