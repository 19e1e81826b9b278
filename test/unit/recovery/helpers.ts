import { openDatabase, type DB } from '../../../src/storage/db.js';
import { m001core } from '../../../src/storage/migrations/001-core.js';
import { m002metricsCachedTokens } from '../../../src/storage/migrations/002-metrics-cached-tokens.js';
import { m050recovery } from '../../../src/storage/migrations/050-recovery.js';
import { m051monitor } from '../../../src/storage/migrations/051-monitor.js';
import { m052recoveryHonest } from '../../../src/storage/migrations/052-recovery-honest.js';

/** In-memory DB with only the migrations these modules need. */
export function memDb(): DB {
  return openDatabase(':memory:', {
    migrations: [m001core, m002metricsCachedTokens, m050recovery, m051monitor, m052recoveryHonest],
  });
}

/** Inserts one metrics row as the model API would. */
export function insertMetric(
  db: DB,
  m: {
    ts?: string;
    component?: string;
    model?: string;
    host?: string;
    local?: boolean;
    provider?: string;
    durationMs?: number;
    ok?: boolean;
    cached?: boolean;
    promptTokens?: number;
    completionTokens?: number;
    errorCode?: string;
    operation?: string;
  },
): void {
  db.prepare(
    `INSERT INTO metrics (ts, component, operation, provider, host, local, model, prompt_tokens, completion_tokens, duration_ms, cached, ok, error_code)
     VALUES (COALESCE(?, strftime('%Y-%m-%dT%H:%M:%fZ','now')), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    m.ts ?? null,
    m.component ?? 'prd',
    m.operation ?? 'object',
    m.provider ?? 'ollama',
    m.host ?? '127.0.0.1',
    m.local === false ? 0 : 1,
    m.model ?? 'llama3.2:latest',
    m.promptTokens ?? 10,
    m.completionTokens ?? 5,
    m.durationMs ?? 100,
    m.cached ? 1 : 0,
    m.ok === false ? 0 : 1,
    m.errorCode ?? null,
  );
}
