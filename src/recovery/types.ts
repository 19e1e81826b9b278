import type {
  Diagnosis,
  FailureContext,
  FailureKind,
  FailureType,
  SeverityLevel,
  Strategy,
} from '../diagnostics/types.js';

/** open = not recovered yet; recovered = by a strategy (in-run or `recover --run`); resolved = by hand. */
export type FailureStatus = 'open' | 'recovered' | 'resolved';

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
  status: FailureStatus;
  diagnosis?: Diagnosis;
  resolution?: string;
}

/** One recorded recovery attempt. */
export interface RecoveryAttempt {
  id: number;
  failureId: number;
  tsMs: number;
  strategy: Strategy | 'reask';
  outcome: 'success' | 'failure' | 'skipped';
  durationMs: number;
  detail?: string;
}

/** `recover status --json`. */
export interface RecoveryStatus {
  total_failures: number;
  active_failures: number;
  recovered: number;
  recovery_rate: number;
  mttr_ms: number | null;
  by_type: Record<string, { total: number; active: number; recovered: number }>;
}
