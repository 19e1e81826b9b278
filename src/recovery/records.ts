import { z } from 'zod';
import { FAILURE_KINDS, FAILURE_TYPES, SeverityLevel, STRATEGIES } from '../diagnostics/types.js';
import type { InterruptedRunRow } from '../storage/interrupted-runs-repo.js';
import type { AttemptRow, FailureGroupRow } from '../storage/recovery-repo.js';
import type { FailureRecord, InterruptedRun, RecoveryAttempt } from './types.js';

const DiagnosisSchema = z.object({
  probableCause: z.string(),
  evidence: z.array(z.string()),
  recommendedStrategy: z.enum(STRATEGIES),
  fix: z.string().optional(),
  source: z.enum(['rule', 'model', 'unknown']),
});

const oneOf = <T extends string>(values: readonly T[], v: string, fallback: T): T =>
  (values as readonly string[]).includes(v) ? (v as T) : fallback;

/**
 * A stored failure group as the recovery module's type. Rows written by another version of the
 * tool may carry kinds or strategies this one does not know: they read as `unknown`, never throw.
 */
export function toFailureRecord(row: FailureGroupRow): FailureRecord {
  const d = row.diagnosis === undefined ? undefined : DiagnosisSchema.safeParse(row.diagnosis);
  return {
    ...row,
    type: oneOf(FAILURE_TYPES, row.type, 'SYSTEM_ERROR'),
    kind: oneOf(FAILURE_KINDS, row.kind, 'unknown'),
    severity: oneOf(Object.values(SeverityLevel), row.severity, 'MEDIUM'),
    diagnosis: d?.success ? d.data : undefined,
  };
}

/** A stored attempt as the recovery module's type. */
export function toAttempt(row: AttemptRow): RecoveryAttempt {
  return { ...row, strategy: oneOf(ATTEMPT_STRATEGIES, row.strategy, 'retry') };
}

const ATTEMPT_STRATEGIES = [...STRATEGIES, 'reask', 'fallback', 'resume', 'rerun'] as const;

/** A stored interrupted run as the recovery module's type (its identity hash stays in storage). */
export function toInterruptedRun({ identity: _i, ...row }: InterruptedRunRow): InterruptedRun {
  return row;
}
