/** Streaming shared by the three chat APIs: paced deltas with the planned faults applied. */
import type { ServerResponse } from 'node:http';
import type { Run } from './compute.js';
import { untilClosed } from './http.js';
import type { Core } from './route.js';
import type { Planned } from './types.js';

/** How a stream ended: complete, client/server gone, or a mid-stream error is due now. */
export type StreamEnd = 'done' | 'gone' | 'error';

/**
 * Sends each delta of the run through `send` (which writes one frame), applying the planned
 * mid-stream error, stall and death. Headers must already be set with writeHead.
 */
export async function streamDeltas(
  core: Core,
  res: ServerResponse,
  run: Run,
  p: Planned,
  send: (delta: string, index: number) => Promise<boolean>,
): Promise<StreamEnd> {
  if (p.stallAfter === 0) {
    res.flushHeaders();
    await untilClosed(res);
    return 'gone';
  }
  // Faults are checked before the next token is pulled: a stalled server generates nothing more.
  const tokens = run.deltas();
  for (let i = 0; ; i++) {
    if (p.midStreamError && i === p.midStreamError.afterPieces) return 'error';
    if (p.stallAfter === i) {
      await untilClosed(res);
      return 'gone';
    }
    if (p.dieAfter === i) {
      res.flushHeaders();
      core.die();
      return 'gone';
    }
    const next = await tokens.next();
    if (next.done) break;
    if (!(await send(next.value, i))) return 'gone';
  }
  if (res.destroyed) return 'gone';
  if (p.dieAfter !== undefined) {
    core.die();
    return 'gone';
  }
  return p.midStreamError ? 'error' : 'done';
}

/** A non-streamed answer that stalls: headers (flushed), then nothing until the client gives up. */
export async function holdHeaders(res: ServerResponse, contentType: string): Promise<void> {
  res.writeHead(200, { 'content-type': contentType });
  res.flushHeaders();
  await untilClosed(res);
}

/** Runs `fn` once the run is ready (load, queue, prefill done); always frees the run's slot. */
export async function whenReady(run: Run, fn: () => Promise<void> | void): Promise<void> {
  try {
    if (!(await run.ready())) return;
    await fn();
  } finally {
    run.end();
  }
}
