import type { DB } from '../storage/db.js';
import { MonitorRepo, type HostCalls } from '../storage/monitor-repo.js';

/** `health --privacy`: what left the machine, by host. */
export interface PrivacyReport {
  mode: string;
  total_calls: number;
  local_calls: number;
  /** Calls that reached a non-local host (answered from cache or refused by the guard do not count). */
  external_calls: number;
  /** Calls to non-local hosts the privacy guard refused before any socket opened. */
  refused_external: number;
  hosts: HostCalls[];
}

/** Builds the privacy report from the call ledger (every model call is recorded there). */
export function privacyReport(db: DB, mode: string, sinceMs = 0): PrivacyReport {
  const hosts = new MonitorRepo(db).callsByHost(sinceMs);
  const ext = hosts.filter((h) => !h.local);
  return {
    mode,
    total_calls: hosts.reduce((a, h) => a + h.calls, 0),
    local_calls: hosts.filter((h) => h.local).reduce((a, h) => a + h.calls, 0),
    external_calls: ext.reduce((a, h) => a + h.calls - h.cached - h.refused, 0),
    refused_external: ext.reduce((a, h) => a + h.refused, 0),
    hosts,
  };
}
