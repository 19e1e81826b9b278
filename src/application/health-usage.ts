/** health --privacy / --stats: what the call ledger says about where calls went and how they performed. */
import type { UsageReport } from '../monitor/usage.js';

/** The privacy report (calls by host, external_calls) or the per-component stats; no database is created. */
export async function healthUsageUseCase(o: {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  kind: 'privacy' | 'stats';
  sinceMs?: number;
}): Promise<UsageReport> {
  const { usageReport } = await import('../monitor/usage.js');
  return usageReport({ ...o, env: o.env ?? process.env });
}
