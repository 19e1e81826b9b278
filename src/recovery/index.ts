/** The recovery module's public surface (see docs/health-and-recovery.md). */
export { FailureRecoverySystem, type RecoveryDeps, type ReportOptions } from './system.js';
export type { RecoverOutcome, RunResumer } from './recover-run.js';
export { trackRun, identityOf, type TrackedRun } from './runs.js';
export * from '../diagnostics/index.js';
// the executor's retry loop, exported for library users; recovery itself has none
export { retryWithBackoff, backoffDelay, type BackoffOptions } from '../models/retry.js';
export { pullModel, type PullProgress } from './pull.js';
export { repairDatabase, canWrite, type RepairResult } from '../storage/db-repair.js';
export { recoveryHooks } from './hooks.js';
export { recoveryStatus } from './stats.js';
export * from './types.js';
