import { Box, Text, render } from 'ink';
import type { TaskEditEvent } from '../../src/application/task-edit-common.js';

type Row = { id: string; title: string; state: 'asking' | 'answered' | 'failed'; note?: string };

const MARK = { asking: '…', answered: '✓', failed: '✗' } as const;

/** One line per task being rewritten, with its state; a header with the count. */
export function TaskEditView({ job, rows, total }: { job: string; rows: Row[]; total: number }) {
  const done = rows.filter((r) => r.state !== 'asking').length;
  return (
    <Box flexDirection="column">
      <Text bold>
        {job}: {done}/{total} task(s) answered
      </Text>
      {rows.map((r) => (
        <Text key={r.id} color={r.state === 'failed' ? 'red' : r.state === 'answered' ? 'green' : undefined}>
          {MARK[r.state]} {r.id}. {r.title}
          {r.note ? ` (${r.note})` : ''}
        </Text>
      ))}
    </Box>
  );
}

/** The ink reporter for a terminal. */
export function inkTaskEdit(job: string): { onProgress(e: TaskEditEvent): void; stop(): Promise<void> } {
  const rows: Row[] = [];
  let total = 0;
  const app = render(<TaskEditView job={job} rows={[]} total={0} />);
  return {
    onProgress(e: TaskEditEvent) {
      total = e.total;
      let row = rows.find((r) => r.id === e.id);
      if (!row) rows.push((row = { id: e.id, title: e.title, state: 'asking' }));
      if (e.type === 'done') row.state = 'answered';
      if (e.type === 'failed') Object.assign(row, { state: 'failed', note: e.error.slice(0, 80) });
      app.rerender(<TaskEditView job={job} rows={[...rows]} total={total} />);
    },
    async stop() {
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
