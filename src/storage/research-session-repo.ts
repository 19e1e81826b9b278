/** SQL for research loop sessions and the per-query summary rows the learning module reads. */
import type { DB } from './db.js';
import { writeTx } from './db.js';

/** A stored research loop session; `state` is the loop's JSON state, validated by its reader. */
export interface SessionRow {
  id: string;
  topic: string;
  status: 'running' | 'done' | 'stopped';
  iterations_done: number;
  max_iterations: number;
  confidence: number | null;
  state: string;
  created_at: string;
  updated_at: string;
}

/** One summary of a research query or loop: what the learning module mines. */
export interface ResearchRunRecord {
  ts: string;
  kind: 'query' | 'loop';
  questionHash: string;
  passages: number;
  model: string | null;
  embedder: string;
  confidence: number;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  durationMs: number;
  success: boolean;
  sessionId?: string;
}

/** Repository for research sessions and run summaries. */
export class ResearchSessionRepo {
  constructor(readonly db: DB) {}

  /** Inserts or updates a session (whole-row write: the loop saves after every iteration). */
  save(s: Omit<SessionRow, 'created_at'> & { created_at?: string }): void {
    writeTx(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO research_sessions (id, topic, status, iterations_done, max_iterations, confidence, state, created_at, updated_at)
           VALUES (@id, @topic, @status, @iterations_done, @max_iterations, @confidence, @state, @created_at, @updated_at)
           ON CONFLICT(id) DO UPDATE SET status = excluded.status, iterations_done = excluded.iterations_done,
             max_iterations = excluded.max_iterations, confidence = excluded.confidence, state = excluded.state,
             updated_at = excluded.updated_at`,
        )
        .run({ ...s, created_at: s.created_at ?? s.updated_at });
    });
  }

  get(id: string): SessionRow | undefined {
    return this.db.prepare('SELECT * FROM research_sessions WHERE id = ?').get(id) as SessionRow | undefined;
  }

  list(limit = 50): SessionRow[] {
    return this.db
      .prepare('SELECT * FROM research_sessions ORDER BY updated_at DESC, id DESC LIMIT ?')
      .all(limit) as SessionRow[];
  }

  recordRun(r: ResearchRunRecord): void {
    writeTx(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO research_runs (ts, kind, question_hash, passages, model, embedder, confidence, calls,
             prompt_tokens, completion_tokens, duration_ms, success, session_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.ts,
          r.kind,
          r.questionHash,
          r.passages,
          r.model,
          r.embedder,
          r.confidence,
          r.calls,
          r.promptTokens,
          r.completionTokens,
          r.durationMs,
          r.success ? 1 : 0,
          r.sessionId ?? null,
        );
    });
  }

  runs(limit = 100): Record<string, unknown>[] {
    return this.db.prepare('SELECT * FROM research_runs ORDER BY id DESC LIMIT ?').all(limit) as Record<
      string,
      unknown
    >[];
  }
}
