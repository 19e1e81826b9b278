import type { PrdEvent } from '../../src/prd/processor.js';

/** cli-progress on stderr for pipes and CI: nodes answered / nodes known (the total grows). */
export async function parsePrdBar(label = 'parse-prd', unit = 'nodes') {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 1000,
      format: `${label} [{bar}] {value}/{total} ${unit} · {calls} calls · {tokens} tokens`,
      hideCursor: false,
    },
    cliProgress.Presets.legacy,
  );
  const seen = new Set<string>();
  const done = new Set<string>();
  let started = false;
  let stopped = false;
  const stats = { calls: 0, tokens: 0 };
  return {
    onProgress(e: PrdEvent) {
      if (e.type === 'stats') Object.assign(stats, { calls: e.calls, tokens: e.tokens });
      if (e.type !== 'node') return;
      seen.add(e.path);
      if (e.state === 'done') done.add(e.path);
      // Start at the first answer: a run that falls back to the structural planner shows no empty bar.
      if (!started && !stopped && done.size > 0) {
        bar.start(seen.size, done.size, stats);
        started = true;
      }
      if (!started || stopped) return;
      bar.setTotal(seen.size);
      bar.update(done.size, stats);
    },
    async stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
