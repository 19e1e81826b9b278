/**
 * health: servers, models per role, a structured round trip, embeddings, config and the database.
 * It takes the project's directory rather than an opened Project: `health` must start cold (no model
 * API, no catalog), so the checks load only their own modules, and only when called.
 */
import type { ConfigOverrides } from '../config/load.js';
import type { DeploymentMode } from '../config/vocabulary.js';
import type { HealthReport } from '../monitor/health.js';

/** Where the project is, and the run's overrides. */
export interface HealthOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Deployment mode for this check only (flag > env > config.json). */
  mode?: DeploymentMode;
  /** Time allowed for each model call of the checks (ms). */
  timeoutMs?: number;
}

/** The flags of a health-family use case as config overrides. */
export function healthFlags(o: { mode?: DeploymentMode }): ConfigOverrides {
  return o.mode ? { mode: o.mode } : {};
}

/** Every check with pass / warn / fail / skip, and `healthy` (no failure). */
export async function healthUseCase(o: HealthOptions): Promise<HealthReport> {
  const { runHealth } = await import('../monitor/health.js');
  return runHealth({
    cwd: o.cwd,
    env: o.env ?? process.env,
    flags: healthFlags(o),
    ...(o.timeoutMs ? { callTimeoutMs: o.timeoutMs } : {}),
  });
}
