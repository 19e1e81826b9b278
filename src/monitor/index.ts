/** The monitor module's public surface (see docs/health-and-recovery.md). */
export {
  CachedPerformanceMonitor,
  combineStats,
  type CombinedStats,
  type ComponentStats,
  type MonitoredSession,
} from './performance-monitor.js';
export { runHealth, type HealthCheck, type HealthReport, type HealthOptions } from './health.js';
export { privacyReport, type PrivacyReport } from './privacy.js';
export { usageReport, type UsageReport } from './usage.js';
