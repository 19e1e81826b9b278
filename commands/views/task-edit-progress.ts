import type { TaskEditEvent } from '../../src/application/task-edit-common.js';
import { interactive, io } from '../shared/output.js';

/** Progress of add-task, update*, scope-*: drawn by ink on a terminal, one line per answer in a pipe. */
export interface TaskEditProgress {
  onProgress(e: TaskEditEvent): void;
  stop(): Promise<void>;
}

/**
 * Nothing with --json (stdout is the JSON alone); an ink view on a terminal (loaded only then); in a
 * pipe, one `job: n/total · id. title` line on stderr per answered or failed task.
 */
export async function taskEditProgress(job: string, json: boolean): Promise<TaskEditProgress> {
  if (json) return { onProgress() {}, async stop() {} };
  if (interactive(json)) return (await import('./TaskEditView.js')).inkTaskEdit(job);
  let answered = 0;
  return {
    onProgress(e) {
      if (e.type === 'start') return;
      answered++;
      io.err(`${job}: ${answered}/${e.total} · ${e.id}. ${e.title}${e.type === 'failed' ? ` failed: ${e.error}` : ''}`);
    },
    async stop() {},
  };
}
