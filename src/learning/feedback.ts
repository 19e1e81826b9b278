/**
 * Feedback read back from tasks.json: what the user did with the tasks a run wrote. Done tasks say
 * the plan was usable; cancelled/deferred/removed ones and hand-edited subtasks say it was not
 * quite right. Read when `improve` runs, so it reflects the latest state of the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { LearningStore } from './types.js';
import type { LearningExperience, LearningFeedback } from './types.js';

interface TmTaskLike {
  id?: unknown;
  status?: unknown;
  subtasks?: unknown;
}

/** Feedback for one experience's written tasks, or undefined when the file/tag cannot be read. */
export function readFeedback(e: LearningExperience, now = new Date()): LearningFeedback | undefined {
  const w = e.written;
  if (!w || !existsSync(w.tasksPath)) return undefined;
  let file: unknown;
  try {
    file = JSON.parse(readFileSync(w.tasksPath, 'utf8'));
  } catch {
    return undefined; // a file being edited by hand is read next time
  }
  const tag = (file as Record<string, { tasks?: unknown }> | null)?.[w.tag];
  if (!tag || !Array.isArray(tag.tasks)) return undefined;
  const byId = new Map((tag.tasks as TmTaskLike[]).map((t) => [String(t.id), t]));
  const fb: LearningFeedback = {
    tasks: 0,
    done: 0,
    cancelled: 0,
    deferred: 0,
    removed: 0,
    subtasksAdded: 0,
    subtasksRemoved: 0,
    readAt: now.toISOString(),
  };
  for (const [id, written] of Object.entries(w.subtasks)) {
    fb.tasks++;
    const t = byId.get(id);
    if (!t) {
      fb.removed++;
      continue;
    }
    if (t.status === 'done') fb.done++;
    else if (t.status === 'cancelled') fb.cancelled++;
    else if (t.status === 'deferred') fb.deferred++;
    const now = Array.isArray(t.subtasks) ? t.subtasks.length : 0;
    if (now > written) fb.subtasksAdded += now - written;
    else fb.subtasksRemoved += written - now;
  }
  return fb;
}

/** Refreshes feedback of every experience that wrote tasks; returns how many were updated. */
export function refreshFeedback(repo: LearningStore, exps: LearningExperience[]): number {
  let n = 0;
  for (const e of exps) {
    const fb = readFeedback(e);
    if (!fb || e.id === undefined) continue;
    repo.setFeedback(e.id, fb);
    e.feedback = fb;
    n++;
  }
  return n;
}

/**
 * Quality of an experience in [0,1]: 0 for a failed run; for a successful one, 1 minus the share
 * of its tasks the user threw away (cancelled or removed), when feedback exists.
 */
export function quality(e: LearningExperience): number {
  if (!e.outcome.success) return 0;
  const f = e.feedback;
  if (!f || f.tasks === 0) return 1;
  return Math.max(0, 1 - (f.cancelled + f.removed) / f.tasks);
}
