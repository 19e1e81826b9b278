/** research "<topic>" --loop: the autonomous research loop, new or resumed. */
import { randomUUID } from 'node:crypto';
import type { ProgressEvent } from '../models/types.js';
import { trackRun } from '../recovery/runs.js';
import type { LoopResult } from '../research/loop.js';
import { openResearch } from './open-research.js';
import type { Project } from './project.js';
import { researchContext, type ResearchContextOptions } from './research-context.js';
import type { RunControls } from './run-controls.js';

/** A new loop on `topic`, or `resume` of a stored session. */
export interface ResearchLoopOptions extends ResearchContextOptions {
  topic?: string;
  /** Iterations to run now (new loop: default 3; resumed: default what was left). */
  iterations?: number;
  /** A session id from `research sessions`. */
  resume?: string;
  offline?: boolean;
  /** Stop when an iteration raises overall confidence by less than this (default 0.02). */
  minGain?: number;
  /** Questions researched per iteration (default 2). */
  perIteration?: number;
}

/**
 * Answers the topic, researches the gaps its findings leave open, repeats until confidence stops
 * improving, and ends with recommendations. The session is saved after every iteration;
 * interrupted, it keeps the iterations finished so far and says how to resume (ABORTED).
 */
export async function researchLoopUseCase(
  project: Project,
  o: ResearchLoopOptions,
  run: RunControls<ProgressEvent> = {},
): Promise<LoopResult> {
  const runId = randomUUID();
  // The loop's model calls carry its run id, so a failed loop's failures belong to it (see trackRun).
  const rag = openResearch(project.forRun(runId), {
    ...(o.offline ? { offline: true } : {}),
    ...(run.onProgress ? { onProgress: run.onProgress } : {}),
  });
  const context = researchContext(project, o);
  const topic = o.topic?.trim() || (o.resume && rag.sessions().find((s) => s.id === o.resume)?.topic) || '';
  const started = new Date().toISOString();
  const { resume: _r, topic: _t, ...rest } = o;
  const job = {
    job: 'research-loop',
    identity: { topic, ...(context ? { context } : {}) },
    // When it fails: the session it saved (its last finished iteration), for `recover --run` to resume.
    input: () => {
      const session =
        o.resume ?? rag.sessions().find((s) => s.topic === topic && s.status !== 'done' && s.updated_at >= started)?.id;
      return { ...rest, topic, ...(session ? { session } : {}) };
    },
    runId,
    resumed: !!o.resume,
    answered: ['research'],
    // Extractive answers (no model) replayed nothing the failed loop asked a model for.
    verified: (r: LoopResult) => r.models.length > 0,
  };
  return trackRun(project.db(), job, () =>
    rag.autonomousResearchLoop(o.topic ?? '', {
      ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
      ...(o.resume ? { resume: o.resume } : {}),
      ...(context ? { context } : {}),
      ...(o.minGain !== undefined ? { minGain: o.minGain } : {}),
      ...(o.perIteration !== undefined ? { perIteration: o.perIteration } : {}),
      ...(run.signal ? { signal: run.signal } : {}),
    }),
  );
}
