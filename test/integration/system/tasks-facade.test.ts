import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LearningRepo, TaskMasterLocalSystem } from '../../../src/index.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { fixture } from '../../support/tasks-fixture.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => {
  await server.close();
});

describe('the facade runs the task commands through the CLI use cases', () => {
  it('analyzeComplexity writes the report expandTasks then uses; both runs are recorded as experiences', async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': fixture() });
    const env = { OLLAMA_HOST: server.url, LM_STUDIO_HOST: 'http://127.0.0.1:9', LOCAL_AI_HOST: 'http://127.0.0.1:9' };
    const sys = await TaskMasterLocalSystem.initialize({ cwd, env });
    try {
      const a = await sys.analyzeComplexity({ batchSize: 2 });
      expect(a.analysed.map((e) => e.taskId)).toEqual([1, 2, 3, 5]);
      expect(a.batches).toBe(2);
      expect(a.reportPath).toBe(join(cwd, '.taskmaster/reports/task-complexity-report.json'));
      expect(sys.complexityReport().report).toEqual(a.report);

      const e = await sys.expandTasks({ id: '2' });
      const want = a.analysed.find((x) => x.taskId === 2)!.recommendedSubtasks ?? 0;
      expect(e.report).toBe(a.reportPath);
      const t2 = JSON.parse(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')).master.tasks[1];
      expect(t2.subtasks).toEqual(e.expanded[0]!.subtasks);
      // task-master's rule: the report's recommendation when it has one, else global.defaultSubtasks (5).
      const asked = JSON.stringify(server.requests.filter((q) => q.path === '/api/chat').at(-1)?.body);
      expect(asked).toContain(`Break task 2 into ${want || 5} subtask`);
      const advice = a.analysed.find((x) => x.taskId === 2)!.expansionPrompt;
      if (typeof advice === 'string' && advice.trim()) expect(asked).toContain('Advice from the complexity analysis');
      const sources = new LearningRepo(sys.project.db()).list().map((x) => x.source);
      expect(sources).toEqual(expect.arrayContaining(['analyze-complexity', 'expand']));
    } finally {
      sys.close();
    }
  }, 60_000);
});
