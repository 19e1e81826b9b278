import type { DB } from '../storage/db.js';
import { MonitorRepo, type CallStatRow, type SessionRow } from '../storage/monitor-repo.js';
import { mean, percentile, round } from '../diagnostics/math.js';

/** A monitored operation in progress: add metrics, then end it (or let `run` do both). */
export interface MonitoredSession {
  readonly id: number;
  addMetric(name: string, value: number, unit?: string): void;
  end(ok?: boolean, error?: unknown): number;
}

/** Figures of one component: model calls (from the call ledger) and monitored operations. */
export interface ComponentStats {
  component: string;
  calls: number;
  failed_calls: number;
  avg_ms: number | null;
  p95_ms: number | null;
  /** Share of model calls answered from the LLM response cache. */
  cache_hit_rate: number | null;
  prompt_tokens: number;
  /** Of prompt_tokens, those the model server took from its KV cache (a shared prefix it did not recompute). */
  cached_prompt_tokens: number;
  completion_tokens: number;
  operations: number;
  operation_avg_ms: number | null;
  operation_p95_ms: number | null;
  operation_failures: number;
  metrics: { name: string; unit: string; count: number; sum: number; avg: number }[];
}

/** getCombinedStats(): one row per component, plus totals. */
export interface CombinedStats {
  components: ComponentStats[];
  totals: {
    calls: number;
    prompt_tokens: number;
    cached_prompt_tokens: number;
    completion_tokens: number;
    cache_hit_rate: number | null;
  };
}

const r1 = (n: number | undefined) => (n === undefined ? null : round(n, 1));

/** Pure aggregation of call rows, sessions and custom metrics per component. */
export function combineStats(
  calls: readonly CallStatRow[],
  sessions: readonly SessionRow[],
  metrics: readonly { component: string; name: string; unit: string; count: number; sum: number; avg: number }[],
): CombinedStats {
  const names = new Set([
    ...calls.map((c) => c.component),
    ...sessions.map((s) => s.component),
    ...metrics.map((m) => m.component),
  ]);
  const components: ComponentStats[] = [...names].sort().map((component) => {
    const cs = calls.filter((c) => c.component === component);
    const live = cs.filter((c) => !c.cached).map((c) => c.durationMs);
    const ss = sessions.filter((s) => s.component === component);
    const hits = cs.filter((c) => c.cached).length;
    return {
      component,
      calls: cs.length,
      failed_calls: cs.filter((c) => !c.ok).length,
      // Latency of calls that reached a model; cached answers would hide a slow server.
      avg_ms: r1(mean(live)),
      p95_ms: r1(percentile(live, 95)),
      cache_hit_rate: cs.length ? round(hits / cs.length, 4) : null,
      prompt_tokens: cs.reduce((a, c) => a + c.promptTokens, 0),
      cached_prompt_tokens: cs.reduce((a, c) => a + (c.cachedPromptTokens ?? 0), 0),
      completion_tokens: cs.reduce((a, c) => a + c.completionTokens, 0),
      operations: ss.length,
      operation_avg_ms: r1(mean(ss.map((s) => s.durationMs))),
      operation_p95_ms: r1(
        percentile(
          ss.map((s) => s.durationMs),
          95,
        ),
      ),
      operation_failures: ss.filter((s) => !s.ok).length,
      metrics: metrics
        .filter((m) => m.component === component)
        .map(({ component: _c, ...m }) => ({ ...m, sum: round(m.sum, 3), avg: round(m.avg, 3) })),
    };
  });
  const hits = calls.filter((c) => c.cached).length;
  return {
    components,
    totals: {
      calls: calls.length,
      prompt_tokens: calls.reduce((a, c) => a + c.promptTokens, 0),
      cached_prompt_tokens: calls.reduce((a, c) => a + (c.cachedPromptTokens ?? 0), 0),
      completion_tokens: calls.reduce((a, c) => a + c.completionTokens, 0),
      cache_hit_rate: calls.length ? round(hits / calls.length, 4) : null,
    },
  };
}

/**
 * CachedPerformanceMonitor: timed operation sessions with custom metrics, and combined
 * per-component statistics (model calls from the call ledger, with the LLM response cache's hit
 * rate). Everything is stored in the project's SQLite file.
 */
export class CachedPerformanceMonitor {
  private readonly repo: MonitorRepo;
  private readonly now: () => number;

  constructor(db: DB, opts: { now?: () => number } = {}) {
    this.repo = new MonitorRepo(db);
    this.now = opts.now ?? Date.now;
  }

  /** Starts a session for `component`/`operation`; call `end()` when done. */
  monitoredOperation(component: string, operation: string): MonitoredSession {
    const t0 = performance.now();
    const id = this.repo.startSession(component, operation, this.now());
    let ended = false;
    return {
      id,
      addMetric: (name, value, unit = '') => this.repo.addMetric(id, component, name, value, unit, this.now()),
      end: (ok = true, error?: unknown) => {
        const ms = performance.now() - t0;
        if (!ended)
          this.repo.endSession(
            id,
            ms,
            ok,
            error === undefined ? undefined : String((error as Error)?.message ?? error),
          );
        ended = true;
        return ms;
      },
    };
  }

  /** Runs fn inside a session, ending it with the outcome (errors are rethrown). */
  async run<T>(component: string, operation: string, fn: (s: MonitoredSession) => Promise<T>): Promise<T> {
    const s = this.monitoredOperation(component, operation);
    try {
      const v = await fn(s);
      s.end(true);
      return v;
    } catch (e) {
      s.end(false, e);
      throw e;
    }
  }

  /** Per-component calls, avg/p95 time, cache hit rate, tokens, operations and custom metrics. */
  getCombinedStats(sinceMs = 0): CombinedStats {
    return combineStats(this.repo.callStats(sinceMs), this.repo.sessions(sinceMs), this.repo.metricTotals(sinceMs));
  }
}
