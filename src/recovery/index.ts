/** The recovery module's public surface (see docs/health-and-recovery.md). */
export { FailureRecoverySystem, type RecoveryDeps, type RecoverOutcome } from './system.js';
export * from '../diagnostics/index.js';
export { runWithRecovery, type AttemptState, type InRunOptions } from './in-run.js';
export { retryWithBackoff, backoffDelay, type BackoffOptions } from './backoff.js';
export { pullModel, type PullProgress } from './pull.js';
export { repairDatabase, canWrite, type RepairResult } from './db-repair.js';
export { recoveryHooks } from './hooks.js';
export { recoveryStatus } from './stats.js';
export { runSelfTest, type SelfTestResult, type SelfTestCase } from './self-test/run.js';
export * from './types.js';
