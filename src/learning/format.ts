/** Plain-text rendering of `improve` results (the command prints these lines). */
import type { HistoryEntry } from './apply.js';
import type { ImproveResult } from './engine.js';
import type { Recommendation } from './recommend.js';
import type { Change, Proposal } from './types.js';

/** One-line description of a change. */
export function describeChange(c: Change): string {
  if (c.kind === 'role-model') return `${c.role} model: ${c.from ?? '(none)'} → ${c.to}`;
  return `${c.kind === 'advice' ? 'advice ' : ''}${c.key}: ${c.from ?? '(default)'} → ${c.to}`;
}

/** Proposal lines, numbered. */
export function proposalLines(ps: Proposal[]): string[] {
  return ps.flatMap((p, i) => [
    `  ${i + 1}. ${describeChange(p.change)}  (confidence ${p.confidence.toFixed(2)}, ${p.origin})`,
    `     evidence: ${p.evidence}`,
    `     expected: ${p.expected_effect}`,
  ]);
}

/** The report of one `improve` analysis. */
export function improveLines(r: ImproveResult, setId: number): string[] {
  const out = [
    `improve: ${r.experiences} experiences${r.feedbackUpdated ? ` (feedback read for ${r.feedbackUpdated})` : ''}`,
  ];
  for (const [role, ms] of Object.entries(r.models)) {
    if (!ms.length) continue;
    out.push(
      `${role} models: ${ms.map((m) => `${m.model} ${m.ok}/${m.calls} valid (${m.invalid} schema failures)`).join(' · ')}`,
    );
  }
  if (r.proposals.length) out.push(`proposals (set ${setId}):`, ...proposalLines(r.proposals));
  else out.push('no change proposed: the recorded data does not clearly favour anything over the current config');
  for (const n of r.notes) out.push(`note: ${n}`);
  if (r.proposals.some((p) => p.change.kind !== 'advice')) out.push('apply with `task-master-local improve --apply`');
  return out;
}

/** Recommendation lines, best first. */
export function recommendationLines(taskType: string, n: number, recs: Recommendation[]): string[] {
  const out = [`recommendations for ${taskType} from ${n} similar experiences:`];
  recs.forEach((r, i) => {
    const schema = r.schemaValidity ? ` · schema valid ${pct(r.schemaValidity.mean)}` : '';
    out.push(
      `  ${i + 1}. ${r.strategy}${r.model ? ` with ${r.model}` : ''}: quality ${pct(r.quality.mean)} [${pct(r.quality.interval[0])}–${pct(r.quality.interval[1])}]${schema}` +
        ` · gain ${r.expectedGain >= 0 ? '+' : ''}${(r.expectedGain * 100).toFixed(1)} pts · confidence ${r.confidence.toFixed(2)} · ${r.experiences} run${r.experiences === 1 ? '' : 's'}`,
    );
    if (Object.keys(r.settings).length) out.push(`     settings: ${JSON.stringify(r.settings)}`);
  });
  return out;
}

/** Learned-routing decisions in the log: how often each model led, and how many were exploration. */
export function routingSummary(log: { taskType: string; chosen: string; explored: boolean }[]) {
  const led: Record<string, number> = {};
  for (const l of log) led[`${l.taskType}:${l.chosen}`] = (led[`${l.taskType}:${l.chosen}`] ?? 0) + 1;
  return { decisions: log.length, explored: log.filter((l) => l.explored).length, led };
}

/** `improve history` lines: each applied change, before → after, and the measured effect; then learned routing. */
export function historyLines(h: HistoryEntry[], routing?: ReturnType<typeof routingSummary>): string[] {
  const tail = routing?.decisions
    ? [
        `learned routing (last ${routing.decisions} decisions, ${routing.explored} explored): ${Object.entries(
          routing.led,
        )
          .map(([k, n]) => `${k} ${n}`)
          .join(' · ')}`,
      ]
    : [];
  if (!h.length)
    return [
      'improve history: no changes applied yet; run `task-master-local improve`, then `improve --apply`',
      ...tail,
    ];
  return [
    ...h.flatMap((e) => {
      const b = e.experiment.baseline as Record<string, number>;
      const fig = (f: Record<string, number>) =>
        `${f.runs ?? 0} run${f.runs === 1 ? '' : 's'}, quality ${fmt(f.quality)}, schema valid ${fmt(f.schemaValidRate)}, re-asks/run ${fmt(f.reasksPerRun)}, ${fmt(f.latencyMs)} ms`;
      const effect = Object.entries(e.effect)
        .map(([k, v]) => `${k} ${v >= 0 ? '+' : ''}${v}`)
        .join(', ');
      return [
        `#${e.experiment.id} ${e.experiment.ts} ${describeChange(e.experiment.change.change)} (backup ${e.experiment.backupPath})`,
        `   before: ${fig(b)}`,
        `   after:  ${e.after.runs ? fig(e.after) : 'no runs yet; the effect is measured on the next runs'}`,
        ...(effect ? [`   effect: ${effect}`] : []),
      ];
    }),
    ...tail,
  ];
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : String(x));
