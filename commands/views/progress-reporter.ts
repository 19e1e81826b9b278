import type { OptimizeProgress } from '../../src/optimize/run.js';

/** Turns run progress into a display: an ink view on a TTY, a cli-progress bar on stderr otherwise, or nothing. */
export interface ProgressReporter {
  update(e: OptimizeProgress): void;
  /** One evaluation ended. */
  tick(): void;
  stop(): Promise<void>;
}
