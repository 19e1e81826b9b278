import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LearningRepo, TaskMasterLocalSystem } from '../../../src/index.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => server.close());

describe('the library runs the CLI task-edit use cases', () => {
  it('addTask by hand and by prompt, updateTasks (task, subtask note, from), scopeTasks; experiences recorded', async () => {
    const cwd = tempProject({
      '.taskmaster/tasks/tasks.json': JSON.stringify({
        master: {
          tasks: [
            {
              id: 1,
              title: 'API',
              description: 'Build it.',
              status: 'pending',
              priority: 'high',
              dependencies: [],
              subtasks: [{ id: 1, title: 'Routes', description: 'r', status: 'pending', dependencies: [] }],
            },
          ],
        },
      }),
    });
    const env = { OLLAMA_HOST: server.url, LM_STUDIO_HOST: 'http://127.0.0.1:9', LOCAL_AI_HOST: 'http://127.0.0.1:9' };
    const sys = await TaskMasterLocalSystem.initialize({ cwd, env });
    try {
      const manual = await sys.addTask({ title: 'Docs', description: 'Write docs.', dependencies: '1' });
      expect(manual).toMatchObject({ id: 2, ai: false, calls: 0 });
      const ai = await sys.addTask({ prompt: 'add monitoring' });
      expect(ai).toMatchObject({ id: 3, ai: true, calls: 1 });
      const up = await sys.updateTasks({ kind: 'task', id: '1', prompt: 'switch to GraphQL' });
      expect('tasks' in up && up.tasks[0]!.changed).toContain('title');
      const note = await sys.updateTasks({ kind: 'subtask', id: '1.1', prompt: 'use a router library' });
      expect('info' in note && note.info.length).toBeGreaterThan(0);
      const from = await sys.updateTasks({ kind: 'from', from: '2', prompt: 'everything in Go' });
      expect('tasks' in from && from.tasks.map((t) => t.id)).toEqual(['2', '3']);
      const read = () => JSON.parse(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')).master.tasks;
      expect(read()[0].subtasks[0].details).toMatch(/^<info added on /);
      // scope-down reshapes task 1's pending subtasks (kept by id, added or dropped: src/tasks/scope.ts)
      const scoped = await sys.scopeTasks({ ids: '1', direction: 'down', strength: 'heavy' });
      expect(scoped.job).toBe('scope-down');
      const tasks = read();
      expect(tasks.map((t: { id: number; status: string }) => [t.id, t.status])).toEqual([
        [1, 'pending'],
        [2, 'pending'],
        [3, 'pending'],
      ]);
      expect(tasks[0].subtasks.length).toBeGreaterThan(0);
      expect(tasks[0].subtasks.every((x: { status: string }) => x.status === 'pending')).toBe(true);
      const sources = new LearningRepo(sys.project.db()).list().map((e) => e.source);
      expect(sources).toEqual(['add-task', 'update-task', 'update-subtask', 'update', 'scope-down']);
    } finally {
      sys.close();
    }
  });
});
