/**
 * `--research` for the task commands: the research role answers (routing), and the local knowledge
 * base supplies background. Each task gets the passages a hybrid search finds for its title and
 * description, as fenced guidance after the shared block. An empty knowledge base adds nothing.
 */
import { isAbortError } from '../errors.js';
import type { ExpandTarget } from '../tasks/expand.js';
import type { Project } from './project.js';

/** Passages per task. */
const K = 3;

/** Adds knowledge-base background to each target's guidance (in place). */
export async function researchBackground(
  project: Project,
  targets: ExpandTarget[],
  signal?: AbortSignal,
): Promise<void> {
  // Loaded here, not at the top: a run without --research never pays for the research module's import.
  const { openResearch } = await import('./open-research.js');
  const rag = openResearch(project);
  for (const t of targets) {
    const query = [t.task.title, t.task.description].filter((x) => typeof x === 'string').join(' ');
    try {
      const r = await rag.search(query, { k: K, ...(signal ? { signal } : {}) });
      const text = r.passages.map((p) => `[${p.source}:${p.lines}]\n${p.text.trim()}`).join('\n\n');
      if (text) t.guidance.push({ title: "Background from the project's knowledge base", label: 'background', text });
    } catch (e) {
      if (isAbortError(e)) throw e;
      return; // an empty knowledge base, or a query without words: the research role still answers
    }
  }
}
