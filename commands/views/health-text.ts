import type { CombinedStats } from '../../src/monitor/performance-monitor.js';
import type { PrivacyReport } from '../../src/monitor/privacy.js';

const pct = (v: number | null) => (v === null ? '-' : `${Math.round(v * 100)}%`);
const num = (v: number | null) => (v === null ? '-' : String(v));

/** Plain-text privacy report: one line per host. */
export function renderPrivacy(r: PrivacyReport): string {
  const lines = [
    `mode ${r.mode}: ${r.total_calls} model call(s), ${r.local_calls} local, external_calls ${r.external_calls}` +
      (r.refused_external ? `, ${r.refused_external} refused before connecting` : ''),
  ];
  if (r.hosts.length === 0) lines.push('  no model calls recorded yet');
  for (const h of r.hosts) {
    lines.push(
      `  ${h.local ? 'local   ' : 'EXTERNAL'}  ${h.host}  ${h.calls} call(s) (${h.cached} cached, ${h.failed} failed)  ${h.providers.join(',')}  ${h.models.join(', ')}`,
    );
  }
  return lines.join('\n');
}

/** Plain-text per-component stats table. */
export function renderStats(s: CombinedStats & { mode: string }): string {
  if (s.components.length === 0) return 'no calls or operations recorded yet';
  const rows = [
    [
      'component',
      'calls',
      'failed',
      'avg ms',
      'p95 ms',
      'cache hit',
      'tokens in',
      'kv cached',
      'tokens out',
      'ops',
      'op avg ms',
    ],
  ];
  for (const c of s.components) {
    rows.push([
      c.component,
      String(c.calls),
      String(c.failed_calls),
      num(c.avg_ms),
      num(c.p95_ms),
      pct(c.cache_hit_rate),
      String(c.prompt_tokens),
      String(c.cached_prompt_tokens ?? 0),
      String(c.completion_tokens),
      String(c.operations),
      num(c.operation_avg_ms),
    ]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((v, i) => (i === 0 ? v.padEnd(w[i]!) : v.padStart(w[i]!))).join('  '));
  return [
    ...table,
    `total: ${s.totals.calls} call(s), cache hit rate ${pct(s.totals.cache_hit_rate)}, tokens ${s.totals.prompt_tokens} in (${s.totals.cached_prompt_tokens ?? 0} from the server's KV cache) / ${s.totals.completion_tokens} out`,
  ].join('\n');
}
