import { Box, Text, render } from 'ink';
import { renderChart } from '../../src/optimize/chart.js';
import type { OptimizeProgress as Progress } from '../../src/optimize/run.js';
import type { ProgressReporter } from './progress-reporter.js';

/** What the live view shows. */
export interface OptimizeViewState {
  runId: string;
  generation: number;
  maxGenerations: number;
  done: number;
  pending: number;
  evaluations: number;
  failures: number;
  points: { best: number | null; mean: number | null }[];
}

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined ? '-' : Number(v.toPrecision(5)).toString();

/** Live per-generation progress with the best/mean chart so far. */
export function OptimizeView({ s }: { s: OptimizeViewState }) {
  const last = s.points[s.points.length - 1];
  const width = 30;
  const filled = s.pending > 0 ? Math.round((s.done / s.pending) * width) : width;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>optimize {s.runId}</Text> generation {s.generation + 1}/{s.maxGenerations} [{'#'.repeat(filled)}
        {'-'.repeat(width - filled)}] {s.done}/{s.pending} new
      </Text>
      <Text>
        best {fmt(last?.best)} · mean {fmt(last?.mean)} · {s.evaluations} evaluations · {s.failures} failed
      </Text>
      {s.points.length > 0 ? <Text>{renderChart(s.points, { width: 60, height: 8 })}</Text> : null}
    </Box>
  );
}

/** A reporter drawing OptimizeView with ink; rerendered on each event. */
export function inkReporter(): ProgressReporter {
  const s: OptimizeViewState = {
    runId: '',
    generation: 0,
    maxGenerations: 0,
    done: 0,
    pending: 0,
    evaluations: 0,
    failures: 0,
    points: [],
  };
  const app = render(<OptimizeView s={{ ...s }} />);
  const draw = () => app.rerender(<OptimizeView s={{ ...s, points: [...s.points] }} />);
  return {
    update(e: Progress) {
      if (e.type === 'start') Object.assign(s, { runId: e.runId, maxGenerations: e.maxGenerations });
      if (e.type === 'evaluating') Object.assign(s, { generation: e.generation, pending: e.pending, done: 0 });
      if (e.type === 'generation') {
        s.points.push({ best: e.best, mean: e.mean });
        Object.assign(s, { evaluations: e.evaluations, failures: e.failures });
      }
      draw();
    },
    tick() {
      s.done++;
      draw();
    },
    async stop() {
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
