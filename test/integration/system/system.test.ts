import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { tempProject } from '../../support/cli.js';
import { TaskMasterLocalSystem } from '../../../src/index.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({
    models: [
      { name: 'llama3.2:latest', contextLength: 8192 },
      { name: 'nomic-embed-text:latest', embedding: true },
    ],
  });
});
afterAll(async () => {
  await server.close();
});

const PRD = `# Notes app\n\n## Accounts\nUsers register with email and password and can reset the password.\n\n## Notes\nUsers create, edit, tag and search notes.\n\n## Sync\nNotes sync between devices with conflict resolution.\n`;

describe('TaskMasterLocalSystem (the library facade, wired to a real project)', () => {
  it('initializes, parses a PRD into tasks.json, answers research with citations, reports health, and learns from the run', async () => {
    const cwd = tempProject({
      '.taskmaster/docs/prd.txt': PRD,
      'docs/sync.md': '# Sync design\n\nConflict resolution uses last-writer-wins per field with vector clocks.\n',
    });
    const env = {
      OLLAMA_HOST: server.url,
      LM_STUDIO_HOST: 'http://127.0.0.1:9',
      LOCAL_AI_HOST: 'http://127.0.0.1:9',
      TASKMASTER_LOCAL_LLM: 'true',
    };
    const sys = await TaskMasterLocalSystem.initialize({ cwd, env });
    try {
      const status = await sys.status();
      expect(status.mode).toBe('LOCAL_ONLY');
      expect(status.roles.main.ref?.model).toBe('llama3.2:latest');

      const out = await sys.processProjectRequirements({ maxDepth: 2, complexityThreshold: 1 });
      expect(out.written).toBe(true);
      expect(out.structural).toBeUndefined();
      const file = JSON.parse(readFileSync(sys.project.paths.tasks, 'utf8'));
      expect(file.master.tasks.length).toBe(out.tasks.length);
      expect(file.master.tasks.some((t: { subtasks: unknown[] }) => t.subtasks.length > 0)).toBe(true);

      await sys.addKnowledge(['docs']);
      // The scripted model cites the passage it was given about sync (schema requests keep the default answers).
      server.script((ctx) => {
        if (ctx.schema) return undefined;
        const n = /\[(\d+)\] docs\/sync\.md/.exec(ctx.messages.map((m) => m.content).join('\n'))?.[1];
        return n
          ? { content: `Conflicts are resolved last-writer-wins per field with vector clocks [${n}].` }
          : undefined;
      });
      const answer = await sys.researchTopic('How are sync conflicts resolved?');
      expect('citations' in answer && answer.citations.length).toBeGreaterThan(0);
      if ('citations' in answer) {
        expect(answer.citations[0]!.source).toContain('sync.md');
        expect(answer.confidence).toBeGreaterThanOrEqual(0);
        expect(answer.confidence).toBeLessThanOrEqual(1);
      }

      const health = await sys.healthCheck();
      expect('checks' in health && health.checks.length).toBeGreaterThan(0);

      const cycle = await sys.autonomousImprovementCycle({ meta: false });
      // the parse-prd run and the research question: the facade records both, as the CLI does
      expect(cycle.experiences).toBe(2);
    } finally {
      sys.close();
    }
  });

  it('recovers through the use case `recover --run` calls: a parse-prd that failed is resumed, and only that counts', async () => {
    const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const env = { OLLAMA_HOST: server.url, LM_STUDIO_HOST: 'http://127.0.0.1:9', LOCAL_AI_HOST: 'http://127.0.0.1:9' };
    server.reset();
    server.fault({ kind: 'status', status: 500, times: 1000, path: /^\/api\/chat$/ });
    const sys = await TaskMasterLocalSystem.initialize({ cwd, env });
    try {
      await expect(sys.processProjectRequirements({ maxDepth: 1, requireModel: true })).rejects.toThrow();
      expect(sys.recoveryStatus()).toMatchObject({ recovered: 0, runs: { interrupted: 1 } });
      server.reset(); // the server is well again
      const r = await sys.recoverFailures();
      expect(r.outcomes.find((o) => o.run)?.run?.status).toBe('resumed');
      const st = sys.recoveryStatus();
      // every failed request of the run is recovered by the replay, none by a probe
      expect(st).toMatchObject({ active_failures: 0, cause_cleared: 0 });
      expect(st.recovered_by).toEqual({ resume: st.recovered });
      expect(st.recovered).toBeGreaterThan(0);
    } finally {
      sys.close();
    }
  });
});
