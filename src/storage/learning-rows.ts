/**
 * The learning tables' rows as storage knows them. The learning module's own types (experiences,
 * proposals) fit these shapes; storage never imports them.
 */

/** Per-model facts of one run (from the metrics ledger: one row per attempt). */
export interface ModelCallStatsRow {
  model: string;
  provider: string;
  taskType?: string;
  calls: number;
  ok: number;
  /** Answers that failed JSON/schema validation (MODEL_OUTPUT_INVALID). */
  invalid: number;
  /** Other failed attempts (timeouts, HTTP errors…). */
  errors: number;
  tokens: number;
  durationMs: number;
  /** What followed this model's failed attempts in the run (from the model API's failure hook). */
  recovered?: { reask: number; retry: number; fallback: number; unrecovered: number; codes: Record<string, number> };
}

/** Per-model totals over many experiences (or metrics rows). */
export interface ModelTotals extends ModelCallStatsRow {
  runs: number;
  /** Failed attempts of this model that ended in a fallback to another model. */
  fellBack?: number;
}

/** Feedback stored with an experience (JSON). */
export type FeedbackRow = object;

/** One experience row with its per-model statistics; context, action, outcome, feedback and written are JSON. */
export interface ExperienceRow {
  id?: number;
  ts?: string;
  taskType: string;
  source: string;
  runId?: string;
  context: object;
  action: { model?: string; strategy?: string };
  outcome: { success: boolean; schemaValid?: boolean };
  feedback?: FeedbackRow;
  written?: object;
  modelStats?: ModelCallStatsRow[];
}
