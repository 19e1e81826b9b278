/**
 * One entry of `recover --run`'s table of resumers: the input a job's use case recorded when it failed
 * (validated: the row may come from another version of the tool) and how to run it again from it.
 */
import type { z } from 'zod';
import type { Project } from './project.js';

export interface Resumer {
  input: z.ZodType;
  resume(
    project: Project,
    input: unknown,
    signal: AbortSignal | undefined,
  ): Promise<{ runId?: string; detail: string }>;
}

/** A resumer whose `resume` gets the input as its schema parsed it. */
export function resumer<S extends z.ZodType>(
  input: S,
  resume: (
    project: Project,
    input: z.infer<S>,
    controls: { signal?: AbortSignal },
  ) => Promise<{ runId?: string; detail: string }>,
): Resumer {
  return {
    input,
    resume: (project, i, signal) => resume(project, i as z.infer<S>, signal ? { signal } : {}),
  };
}
