/** Broad class of a failure; the first thing `recover status` groups by. */
export const FailureType = {
  SYSTEM_ERROR: 'SYSTEM_ERROR',
  PERFORMANCE_DEGRADATION: 'PERFORMANCE_DEGRADATION',
  RESOURCE_EXHAUSTION: 'RESOURCE_EXHAUSTION',
  MODEL_FAILURE: 'MODEL_FAILURE',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];
/** Every FailureType, for validation and reports. */
export const FAILURE_TYPES = Object.values(FailureType) as FailureType[];

/** How badly a failure hurts: CRITICAL stops all work, LOW is a warning. */
export const SeverityLevel = { LOW: 'LOW', MEDIUM: 'MEDIUM', HIGH: 'HIGH', CRITICAL: 'CRITICAL' } as const;
export type SeverityLevel = (typeof SeverityLevel)[keyof typeof SeverityLevel];

/** Finer kinds; each maps to one FailureType and drives diagnosis and strategy choice. */
export const FAILURE_KINDS = [
  'server_unreachable',
  'ipv6_localhost',
  'model_not_found',
  'no_model_loaded',
  'out_of_memory',
  'context_overflow',
  'context_truncated',
  'timeout',
  'server_busy',
  'http_error',
  'invalid_output',
  'truncated_output',
  'stream_error',
  'circuit_open',
  'privacy_refused',
  'no_model_available',
  'db_busy',
  'db_corrupt',
  'disk_full',
  'tasks_file',
  'config_invalid',
  'latency_degradation',
  'failure_rate_rising',
  'unknown',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** Recovery strategies; every attempt of one is recorded with its outcome. */
export const STRATEGIES = [
  'retry',
  'fallback_model',
  'shrink_input',
  'raise_timeout',
  'pull_model',
  'repair_db',
  'manual',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Where a failure happened; stored as the failure's context. */
export interface FailureContext {
  component: string;
  operation: string;
  provider?: string;
  endpoint?: string;
  model?: string;
  taskType?: string;
  /** Free-form extra facts (prompt tokens, context length, db path, ...). */
  [k: string]: unknown;
}

/** The result of classifying one error. */
export interface ClassifiedFailure {
  type: FailureType;
  kind: FailureKind;
  severity: SeverityLevel;
  /** One-line message of the root error. */
  message: string;
  /** Error code (AppError code, errno or SQLite code) when there is one. */
  code?: string;
  status?: number;
  /** Groups repeats: same kind, place and normalised message. */
  fingerprint: string;
  context: FailureContext;
}

/** What went wrong and what to do about it. */
export interface Diagnosis {
  probableCause: string;
  evidence: string[];
  recommendedStrategy: Strategy;
  /** A command or setting that fixes it, when one exists. */
  fix?: string;
  /** 'rule' = known signature, 'model' = the local model's reading, 'unknown' = neither. */
  source: 'rule' | 'model' | 'unknown';
}
