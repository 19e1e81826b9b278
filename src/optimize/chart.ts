/** One generation's best and mean fitness (null when every evaluation of it failed). */
export interface ChartPoint {
  best: number | null;
  mean: number | null;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/**
 * Plain-text chart of best (`*`) and mean (`.`) fitness per generation: y axis labelled with the
 * range, one column per generation (generations are sampled when there are more than `width`).
 * Pure, so the exact picture is unit-tested; no colour, so it survives pipes and logs.
 */
export function renderChart(points: ChartPoint[], opts: { width?: number; height?: number } = {}): string {
  const height = Math.max(3, opts.height ?? 10);
  const values = points.flatMap((p) => [p.best, p.mean]).filter((v): v is number => v !== null);
  if (points.length === 0 || values.length === 0) return '(no finished generation yet)';
  const cols = Math.min(Math.max(1, opts.width ?? 60), points.length);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) {
    hi += Math.abs(hi) * 0.05 || 1;
    lo -= Math.abs(lo) * 0.05 || 1;
  }
  const grid = Array.from({ length: height }, () => Array<string>(cols).fill(' '));
  const row = (v: number) => height - 1 - Math.round(((v - lo) / (hi - lo)) * (height - 1));
  for (let c = 0; c < cols; c++) {
    const p = points[cols === 1 ? points.length - 1 : Math.round((c * (points.length - 1)) / (cols - 1))]!;
    if (p.mean !== null) grid[row(p.mean)]![c] = '.';
    if (p.best !== null) grid[row(p.best)]![c] = '*';
  }
  const labels = grid.map((_, r) => (r === 0 ? fmt(hi) : r === height - 1 ? fmt(lo) : ''));
  const pad = Math.max(...labels.map((l) => l.length));
  const lines = grid.map((cells, r) => `${labels[r]!.padStart(pad)} |${cells.join('')}`);
  const last = `gen ${points.length - 1}`;
  const axis = `${' '.repeat(pad)} +${'-'.repeat(cols)}`;
  const ticks = `${' '.repeat(pad)}  gen 0${last.padStart(Math.max(0, cols - 5))}`;
  return [
    ...lines,
    axis,
    cols > 10 ? ticks : `${' '.repeat(pad)}  gen 0-${points.length - 1}`,
    `${' '.repeat(pad)}  * best  . mean`,
  ].join('\n');
}
