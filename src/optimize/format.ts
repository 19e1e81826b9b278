import type { OptimizeGenerationRow, OptimizeRunRow } from '../storage/optimize-repo.js';
import { renderChart } from './chart.js';
import type { OptimizeReport } from './run.js';
import type { Genome } from './types.js';

function num(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : Number(v.toPrecision(6)).toString();
}

function genomeLines(g: Genome): string[] {
  const w = Math.max(...Object.keys(g).map((k) => k.length));
  return Object.entries(g).map(([k, v]) => `  ${k.padEnd(w)} = ${JSON.stringify(v)}`);
}

/** The plain-text result of a run: summary, chart, best genome. */
export function formatReport(r: OptimizeReport): string {
  const lines = [
    `run ${r.run_id} ${r.status}${r.stop_reason ? ` (${r.stop_reason.replace('_', ' ')})` : ''}: ` +
      `${r.generations.length} generations, ${r.evaluations} evaluations, ${r.failures} failed` +
      (r.resumed_at ? `, resumed after generation ${r.resumed_at - 1}` : ''),
    '',
    renderChart(r.generations),
    '',
  ];
  if (r.best_individual)
    lines.push(`best fitness ${num(r.best_individual.fitness)}`, ...genomeLines(r.best_individual.genome));
  else lines.push('no successful evaluation yet');
  return lines.join('\n');
}

/** `optimize list`: one line per run. */
export function formatRunList(runs: OptimizeRunRow[]): string {
  if (runs.length === 0) return 'no optimization runs yet (start one with `task-master-local optimize <spec>`)';
  const rows = runs.map((r) => [
    r.id,
    r.status,
    r.target,
    String(r.generations_done),
    String(r.evaluations),
    num(r.best_fitness),
    r.created_at.slice(0, 19).replace('T', ' '),
  ]);
  const head = ['RUN', 'STATUS', 'TARGET', 'GENS', 'EVALS', 'BEST', 'STARTED'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `optimize show <run>`: the report plus per-generation figures and failed evaluations. */
export function formatRunDetail(
  run: OptimizeRunRow,
  report: OptimizeReport,
  gens: OptimizeGenerationRow[],
  failures: { genome: Genome; gen: number; error: string }[],
): string {
  const lines = [formatReport(report), '', `target ${run.target}, seed ${run.seed}, started ${run.created_at}`];
  if (run.error) lines.push(`error: ${run.error}`);
  lines.push('', 'GEN  BEST        MEAN        DIVERSITY  EVALS  FAILED');
  for (const g of gens) {
    lines.push(
      `${String(g.gen).padEnd(4)} ${num(g.best).padEnd(11)} ${num(g.mean).padEnd(11)} ${g.diversity.toFixed(3).padEnd(10)} ${String(g.evaluations).padEnd(6)} ${g.failures}`,
    );
  }
  if (failures.length > 0) {
    lines.push('', 'failed evaluations:');
    for (const f of failures) lines.push(`  gen ${f.gen} ${JSON.stringify(f.genome)}: ${f.error}`);
  }
  return lines.join('\n');
}
