import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { openDatabase } from '../storage/db.js';
import { CachedPerformanceMonitor, type CombinedStats } from './performance-monitor.js';
import { privacyReport, type PrivacyReport } from './privacy.js';

/** `health --privacy` or `health --stats`, read from the project's call ledger. */
export type UsageReport =
  | { kind: 'privacy'; report: PrivacyReport }
  | { kind: 'stats'; report: CombinedStats & { mode: string } };

/** Builds the privacy or stats report of the project at `cwd` (an empty one when there is no database yet). */
export function usageReport(o: {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  kind: 'privacy' | 'stats';
  sinceMs?: number;
}): UsageReport {
  const config = loadConfig({ cwd: o.cwd, env: o.env ?? process.env });
  // Reading a report must not create a database in a directory that has none.
  const db = openDatabase(existsSync(config.dbPath) ? config.dbPath : ':memory:');
  try {
    if (o.kind === 'privacy') return { kind: 'privacy', report: privacyReport(db, config.local.mode, o.sinceMs) };
    return {
      kind: 'stats',
      report: { mode: config.local.mode, ...new CachedPerformanceMonitor(db).getCombinedStats(o.sinceMs) },
    };
  } finally {
    db.close();
  }
}
