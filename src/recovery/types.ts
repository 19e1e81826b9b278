import type {
  Diagnosis,
  FailureContext,
  FailureKind,
  FailureType,
  SeverityLevel,
  Strategy,
} from '../diagnostics/types.js';

/**
 * open = nothing has succeeded since; recovered = the operation that failed succeeded afterwards
 * (the same request on a retry, re-ask or fallback model, or its run resumed); cause_cleared = a
 * probe found the cause gone, but the operation was never replayed; resolved = marked by hand.
 */
export type FailureStatus = 'open' | 'recovered' | 'cause_cleared' | 'resolved';

/** What recovered an occurrence: the model API in the same call, or a later run of the same job. */
export type RecoveredBy = 'retry' | 'reask' | 'fallback' | 'resume' | 'rerun' | 'repair_db';

/** A stored failure group (one fingerprint). */
export interface FailureRecord {
  id: number;
  fingerprint: string;
  type: FailureType;
  kind: FailureKind;
  severity: SeverityLevel;
  message: string;
  code?: string;
  context: FailureContext;
  firstSeenMs: number;
  lastSeenMs: number;
  count: number;
  /** The worst status among its occurrences. */
  status: FailureStatus;
  diagnosis?: Diagnosis;
  resolution?: string;
}

/** One recorded recovery attempt: a check, a repair, a resumed run, or an in-run recovery. */
export interface RecoveryAttempt {
  id: number;
  failureId: number;
  tsMs: number;
  strategy: Strategy | RecoveredBy;
  outcome: 'success' | 'failure' | 'skipped';
  /** What a successful attempt made of the occurrences it ended. */
  verdict?: Exclude<FailureStatus, 'open'>;
  durationMs: number;
  detail?: string;
}

/** Per FailureType counts of occurrences. */
export interface StatusCounts {
  total: number;
  active: number;
  recovered: number;
  cause_cleared: number;
  resolved: number;
}

/** `recover status --json`. */
export interface RecoveryStatus {
  total_failures: number;
  /** Occurrences still open. */
  active_failures: number;
  /** Occurrences whose operation succeeded afterwards (replayed, never probed). */
  recovered: number;
  /** Occurrences a probe found the cause of gone, without replaying the operation. */
  cause_cleared: number;
  /** Occurrences marked resolved by hand. */
  resolved: number;
  /** recovered / total_failures; null when nothing failed. */
  recovery_rate: number | null;
  /** Mean time from the first failure a recovery ended to its verified success; null when none. */
  mttr_ms: number | null;
  /** Recovered occurrences by what recovered them. */
  recovered_by: Partial<Record<RecoveredBy, number>>;
  /** Runs of jobs that failed: still interrupted, resumed or rerun to success, abandoned. */
  runs: { interrupted: number; resumed: number; abandoned: number };
  by_type: Record<string, StatusCounts>;
}

/** A run of a job that failed, with what runs it again (see trackRun). */
export interface InterruptedRun {
  id: number;
  job: string;
  /** The job's input, as its use case takes it (JSON). */
  input: unknown;
  status: 'interrupted' | 'resumed' | 'abandoned';
  failedMs: number;
  errorCode?: string;
  errorMessage?: string;
  resumedMs?: number;
  resumedByRun?: string;
  detail?: string;
  /** Every run that tried: the one that failed, then failed resumes. */
  runIds: string[];
}
