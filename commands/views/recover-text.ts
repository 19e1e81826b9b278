import { diagnoseByRules } from '../../src/diagnostics/diagnose.js';
import type { SelfTestResult } from '../../src/application/self-test.js';
import type { RecoverOutcome } from '../../src/recovery/recover-run.js';
import type { FailureRecord, InterruptedRun, RecoveryStatus } from '../../src/recovery/types.js';

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const STATUS: Record<FailureRecord['status'], string> = {
  open: 'open',
  recovered: 'recovered',
  cause_cleared: 'cause cleared',
  resolved: 'resolved',
};

/** One failure group: status, kind, where, the message, the diagnosis and how it ended. */
export function failureLine(f: FailureRecord): string {
  const where = [f.context.component, f.context.model, f.context.endpoint].filter(Boolean).join(' ');
  const head = `#${f.id}  ${STATUS[f.status].padEnd(13)} ${f.type}/${f.kind}  ${f.severity}  x${f.count}  ${when(f.lastSeenMs)}  ${where}\n     ${f.message}`;
  // Rules are cheap and need no model, so even failures never run through --run show their fix.
  const d = f.diagnosis ?? diagnoseByRules({ ...f, status: undefined });
  return (
    head +
    (d ? `\n     cause: ${d.probableCause}${d.fix ? `\n     fix: ${d.fix}` : ''}` : '') +
    (f.resolution ? `\n     resolution: ${f.resolution}` : '')
  );
}

/** One interrupted run, as `recover` lists it. */
export function runLine(r: InterruptedRun): string {
  return `run #${r.id}  ${r.job} interrupted ${when(r.failedMs)}${r.runIds.length > 1 ? ` (${r.runIds.length - 1} resume(s) failed)` : ''}: ${r.errorMessage ?? 'unknown error'}\n     resume it with \`task-master-local recover --run\``;
}

/** `recover status` in plain text. */
export function statusLines(s: RecoveryStatus): string[] {
  const pct = s.recovery_rate === null ? '-' : `${Math.round(s.recovery_rate * 100)}%`;
  const by = Object.entries(s.recovered_by)
    .map(([k, v]) => `${v} by ${k}`)
    .join(', ');
  return [
    `failures: ${s.total_failures} total, ${s.active_failures} active, ${s.recovered} recovered${by ? ` (${by})` : ''}, ${s.cause_cleared} cause cleared, ${s.resolved} resolved by hand`,
    `recovery rate ${pct} (only operations that succeeded afterwards count); MTTR ${s.mttr_ms === null ? '-' : `${Math.round(s.mttr_ms)} ms`}`,
    `runs: ${s.runs.interrupted} interrupted, ${s.runs.resumed} resumed`,
    ...Object.entries(s.by_type).map(
      ([t, v]) =>
        `  ${t}: ${v.total} total, ${v.active} active, ${v.recovered} recovered, ${v.cause_cleared} cause cleared, ${v.resolved} resolved`,
    ),
  ];
}

/** What `recover --run` did for one failure group. */
export function outcomeLine(x: RecoverOutcome): string {
  const end = STATUS[x.failure.status];
  const fix = x.failure.status === 'open' && x.failure.diagnosis?.fix ? `\n     fix: ${x.failure.diagnosis.fix}` : '';
  const run = x.run ? ` (run #${x.run.id} ${x.run.job})` : '';
  return `#${x.failure.id} ${x.failure.kind}${run}: ${x.result.strategy} → ${x.result.outcome} — ${x.result.detail}; now ${end}${fix}`;
}

/** `recover --self-test` in plain text: each case, how it ended and how it should have. */
export function selfTestLines(st: SelfTestResult): string[] {
  return [
    ...st.cases.map((c) => {
      const ended = c.status ? `${STATUS[c.status]}${c.by ? ` by ${c.by}` : ''}` : 'no failure recorded';
      const want = `${STATUS[c.expected]}${c.expectedBy ? ` by ${c.expectedBy}` : ''}`;
      return `  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.kind ?? '-'} → ${ended}${c.ok ? '' : ` (expected ${want})`} (${c.ms} ms) — ${c.detail}`;
    }),
    ...statusLines(st.status).slice(0, 2),
    st.ok ? 'self-test passed' : 'self-test FAILED',
  ];
}
