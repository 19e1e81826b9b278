import type { ProgressReporter } from './progress-reporter.js';

export type { ProgressReporter } from './progress-reporter.js';

const NONE: ProgressReporter = { update() {}, tick() {}, async stop() {} };

/**
 * Builds the reporter; ink and react are imported only for 'tty', so `--help` never loads them. 'bar' draws
 * cli-progress when stderr is a terminal (e.g. stdout piped) and plain lines when it is not.
 */
export async function progressReporter(mode: 'tty' | 'bar' | 'none'): Promise<ProgressReporter> {
  if (mode === 'none') return NONE;
  if (mode === 'tty') return (await import('./OptimizeProgress.js')).inkReporter();
  if (!process.stderr.isTTY) return lineReporter();
  const { SingleBar } = (await import('cli-progress')).default;
  const bar = new SingleBar({
    format: 'gen {gen}/{gens} [{bar}] {value}/{total} evaluated | best {best} | mean {mean} | {evals} evals',
    stream: process.stderr,
    hideCursor: false,
  });
  let started = false;
  const fmt = (v: number | null) => (v === null ? '-' : Number(v.toPrecision(5)).toString());
  let payload = { gen: 0, gens: 0, best: '-', mean: '-', evals: 0 };
  return {
    update(e) {
      if (e.type === 'start') payload = { ...payload, gen: e.resumedAt, gens: e.maxGenerations };
      if (e.type === 'evaluating') {
        payload = { ...payload, gen: e.generation };
        if (!started) bar.start(e.pending, 0, payload);
        else bar.setTotal(e.pending);
        started = true;
        bar.update(0, payload);
      }
      if (e.type === 'generation') {
        payload = { ...payload, best: fmt(e.best), mean: fmt(e.mean), evals: e.evaluations };
        if (started) bar.update(payload);
      }
    },
    tick() {
      if (started) bar.increment();
    },
    async stop() {
      if (started) bar.stop();
    },
  };
}

/** Logs and CI: one plain line per finished generation on stderr, since a redrawn bar would garble them. */
function lineReporter(): ProgressReporter {
  const fmt = (v: number | null) => (v === null ? '-' : Number(v.toPrecision(5)).toString());
  return {
    update(e) {
      if (e.type === 'generation') {
        process.stderr.write(
          `generation ${e.generation + 1}/${e.maxGenerations}: best ${fmt(e.best)}, mean ${fmt(e.mean)}, ${e.evaluations} evaluations, ${e.failures} failed\n`,
        );
      }
    },
    tick() {},
    async stop() {},
  };
}
