import { redactText } from '../config/redact.js';
import type { ProviderKind, TaskType } from '../config/vocabulary.js';
import type { DB } from './db.js';
import { writeTx } from './db.js';

/** One row of the call ledger: metrics, privacy report and learning all read it. */
export interface CallRecord {
  component: string;
  operation: 'chat' | 'object' | 'embed' | 'list' | 'health';
  provider: ProviderKind;
  host: string;
  local: boolean;
  model: string;
  taskType?: TaskType;
  promptId?: string;
  promptTokens: number;
  /** Of promptTokens, those the server served from its KV cache (0 when it does not say). */
  cachedPromptTokens?: number;
  completionTokens: number;
  durationMs: number;
  cached: boolean;
  ok: boolean;
  errorCode?: string;
  runId?: string;
}

/** A metrics row as read back. */
export interface MetricRow extends CallRecord {
  id: number;
  ts: string;
}

interface Row {
  id: number;
  ts: string;
  component: string;
  operation: string;
  provider: string | null;
  host: string | null;
  local: number | null;
  model: string | null;
  task_type: string | null;
  prompt_id: string | null;
  prompt_tokens: number;
  cached_prompt_tokens: number;
  completion_tokens: number;
  duration_ms: number;
  cached: number;
  ok: number;
  error_code: string | null;
  run_id: string | null;
}

/** Filters for reading the ledger. */
export interface MetricsQuery {
  since?: string;
  component?: string;
  runId?: string;
  model?: string;
  limit?: number;
}

/** The call ledger (`metrics`): one row per model call, cache hit or failure. */
export class MetricsRepo {
  constructor(private readonly db: DB) {}

  /** Appends one call record. */
  record(r: CallRecord): number {
    return writeTx(this.db, () =>
      Number(
        this.db
          .prepare(
            `INSERT INTO metrics (component, operation, provider, host, local, model, task_type, prompt_id,
              prompt_tokens, completion_tokens, duration_ms, cached, ok, error_code, run_id, cached_prompt_tokens)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            r.component,
            r.operation,
            r.provider,
            // the ledger never keeps credentials, whatever URL the host or model came from
            redactText(r.host),
            r.local ? 1 : 0,
            redactText(r.model),
            r.taskType ?? null,
            r.promptId ?? null,
            r.promptTokens,
            r.completionTokens,
            r.durationMs,
            r.cached ? 1 : 0,
            r.ok ? 1 : 0,
            r.errorCode ?? null,
            r.runId ?? null,
            r.cachedPromptTokens ?? 0,
          ).lastInsertRowid,
      ),
    );
  }

  /** Rows matching the query, oldest first. */
  list(q: MetricsQuery = {}): MetricRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.since) where.push('ts >= ?'), args.push(q.since);
    if (q.component) where.push('component = ?'), args.push(q.component);
    if (q.runId) where.push('run_id = ?'), args.push(q.runId);
    if (q.model) where.push('model = ?'), args.push(q.model);
    const sql = `SELECT * FROM metrics ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${q.limit ? `LIMIT ${Math.floor(q.limit)}` : ''}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(fromRow);
  }
}

function fromRow(r: Row): MetricRow {
  const m: MetricRow = {
    id: r.id,
    ts: r.ts,
    component: r.component,
    operation: r.operation as CallRecord['operation'],
    provider: (r.provider ?? '') as ProviderKind,
    host: r.host ?? '',
    local: r.local === 1,
    model: r.model ?? '',
    promptTokens: r.prompt_tokens,
    cachedPromptTokens: r.cached_prompt_tokens,
    completionTokens: r.completion_tokens,
    durationMs: r.duration_ms,
    cached: r.cached === 1,
    ok: r.ok === 1,
  };
  if (r.task_type) m.taskType = r.task_type as TaskType;
  if (r.prompt_id) m.promptId = r.prompt_id;
  if (r.error_code) m.errorCode = r.error_code;
  if (r.run_id) m.runId = r.run_id;
  return m;
}
