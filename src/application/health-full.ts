/** health --full: the validation suite, end to end through every module, in a temporary copy of the project. */
import type { ValidationReport } from './validation.js';
import type { HealthOptions } from './health.js';

/** Runs the validation suite (every check can fail); `overall` is healthy, degraded or unhealthy. */
export async function healthFullUseCase(o: HealthOptions): Promise<ValidationReport> {
  const { runValidation } = await import('./validation.js');
  return runValidation({
    cwd: o.cwd,
    env: o.env ?? process.env,
    ...(o.timeoutMs ? { callTimeoutMs: o.timeoutMs } : {}),
  });
}
