/** The recovery module's public surface (see docs/health-and-recovery.md). */
export { FailureRecoverySystem, type RecoveryDeps, type RecoverOutcome } from './system.js';
export { classifyFailure, fingerprint, errorFacts } from './classify.js';
export {
  diagnose,
  diagnoseByRules,
  unreachableHint,
  pullCommand,
  startCommand,
  ModelDiagnosisSchema,
} from './diagnose.js';
export {
  detectAll,
  detectLatencyDegradation,
  detectRisingFailureRate,
  detectContextTruncation,
  type CallSample,
  type Finding,
  type DetectOptions,
} from './detect.js';
export { runWithRecovery, type AttemptState, type InRunOptions } from './in-run.js';
export { retryWithBackoff, backoffDelay, type BackoffOptions } from './backoff.js';
export { pullModel, type PullProgress } from './pull.js';
export { repairDatabase, canWrite, type RepairResult } from './db-repair.js';
export { recoveryHooks } from './hooks.js';
export { recoveryStatus } from './stats.js';
export { runSelfTest, type SelfTestResult, type SelfTestCase } from './self-test/run.js';
export * from './types.js';
