import type { ProgressEvent } from '../../src/models/types.js';

/** A progress callback for `research add`, and a stop() that clears the bar. */
export interface ResearchProgress {
  onProgress?: (e: ProgressEvent) => void;
  stop(): void;
}

/**
 * A cli-progress bar on stderr (ingest, then embed) when stderr is a terminal and output is not
 * JSON or CI; otherwise nothing, so pipes and tests see clean output. cli-progress is imported
 * only when a bar is drawn.
 */
export async function researchProgress(json: boolean | undefined): Promise<ResearchProgress> {
  if (json || !process.stderr.isTTY || process.env.CI) return { stop() {} };
  const { SingleBar } = (await import('cli-progress')).default;
  const bar = new SingleBar({
    format: '{phase} [{bar}] {value}/{total} {detail}',
    stream: process.stderr,
    hideCursor: false,
  });
  let phase = '';
  return {
    onProgress(e) {
      const total = Number(e.total ?? 0);
      const done = Number(e.done ?? 0);
      if (e.type !== phase) {
        if (phase) bar.stop();
        phase = e.type;
        bar.start(total, done, { phase: phase.padEnd(6), detail: '' });
      }
      bar.setTotal(total);
      bar.update(done, { detail: String(e.source ?? e.model ?? '') });
    },
    stop() {
      if (phase) bar.stop();
    },
  };
}
