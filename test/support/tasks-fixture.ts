/** A small tasks.json for the task commands' tests and benches (no vitest imports: benches load it from dist/). */
export const task = (id: number, title: string, details: string, extra: Record<string, unknown> = {}) => ({
  id,
  title,
  description: `Description of ${title.toLowerCase()}.`,
  details,
  testStrategy: 'Unit tests.',
  priority: 'medium',
  dependencies: [],
  status: 'pending',
  subtasks: [],
  ...extra,
});
/** Three pending tasks (one with a list in its details), one done task, one with subtasks. */
export function fixture(): string {
  return JSON.stringify(
    {
      master: {
        tasks: [
          task(1, 'Set up the repository', 'Create the repo.\n- add a README\n- add CI\n- add a license'),
          task(2, 'Store alarms', 'Persist alarms in SQLite. Migrations run at start. Writes are transactional.'),
          task(3, 'Sync alarms', 'Two-way sync with the server.', { dependencies: [2] }),
          task(4, 'Old work', 'Done already.', { status: 'done' }),
          task(5, 'Snooze', 'Snooze an alarm.', {
            subtasks: [{ id: 1, title: 'Snooze API', description: 'd', details: '', status: 'done', dependencies: [] }],
          }),
        ],
        metadata: { created: '2026-01-01T00:00:00.000Z', description: 'Tasks for master context' },
      },
    },
    null,
    2,
  );
}
