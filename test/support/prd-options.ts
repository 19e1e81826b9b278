import type { PrdOptions } from '../../src/prd/processor.js';

/** parse-prd's engine options as tests use them (the CLI's defaults, no model required, no cache bypass), with `o` on top. */
export function prdOptions(o: Partial<PrdOptions> = {}): PrdOptions {
  return {
    numTasks: 0,
    maxDepth: 2,
    concurrency: 4,
    requireModel: false,
    noCache: false,
    resume: false,
    complexityThreshold: 5,
    ...o,
  };
}
