/** research add: files, directories and globs (or one hand-written note) into the knowledge base. */
import { abortedError, ValidationError, isAbortError, isAppError } from '../errors.js';
import type { ProgressEvent } from '../models/types.js';
import type { AddResult } from '../research/rag-system.js';
import { openResearch } from './open-research.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';

/** What to add: `paths` (files, directories, globs), or a `note`. */
export interface ResearchAddOptions {
  paths?: string[];
  note?: { title: string; content: string };
  /** Never call an embedding model: the offline embedder only. */
  offline?: boolean;
  /** Where relative paths start (the CLI passes the shell's directory); default the project root. */
  cwd?: string;
}

/**
 * Reads, chunks and embeds the sources (unchanged files are no-ops). Nothing usable at all (every
 * path skipped) is a ValidationError naming each path. Interrupted, the sources read so far stay;
 * their missing vectors are made by the next add or search.
 */
export async function researchAddUseCase(
  project: Project,
  o: ResearchAddOptions,
  run: RunControls<ProgressEvent> = {},
): Promise<AddResult> {
  const rag = openResearch(project, { ...(o.offline ? { offline: true } : {}), onProgress: run.onProgress });
  const signal = run.signal;
  let r: AddResult;
  try {
    r = o.note
      ? await rag.addExternalKnowledge(o.note, { signal })
      : await rag.addSources(o.paths ?? [], { cwd: o.cwd ?? project.paths.root, signal });
  } catch (e) {
    if (!isAbortError(e) && !signal?.aborted) throw e;
    // the knowledge base says what it kept (sources, chunks, vectors stored); keep its message
    if (isAppError(e) && e.code === 'ABORTED') throw e;
    throw abortedError(
      signal,
      'research add interrupted; the documents read so far are kept',
      'their missing embeddings are made by the next `research add` or `research search`',
    );
  }
  if (!r.added.length && !r.updated.length && !r.unchanged.length && r.skipped.length) {
    throw new ValidationError(`nothing added: ${r.skipped.map((x) => `${x.path} (${x.reason})`).join(', ')}`, {
      hint: 'give text files, directories or globs inside the project',
    });
  }
  return r;
}
