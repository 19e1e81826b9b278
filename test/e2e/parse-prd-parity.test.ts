import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TaskMasterLocalSystem } from '../../src/index.js';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';

// One assembly of a parse-prd run: the CLI and the library facade call the same use case, so the same
// PRD and options give the same tasks.json and the same cache behaviour.
const PRD = `# Notes app\n\n## Accounts\nUsers register with email and password and can reset the password.\n\n## Notes\nUsers create, edit, tag and search notes.\n\n## Sync\nNotes sync between devices with conflict resolution.\n`;

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ models: [{ name: 'llama3.2:latest', contextLength: 8192 }] });
});
afterAll(async () => {
  await server.close();
});

const env = () => ({
  OLLAMA_HOST: server.url,
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
});
const tag = (cwd: string) => {
  const f = JSON.parse(readFileSync(join(cwd, '.taskmaster', 'tasks', 'tasks.json'), 'utf8'));
  delete f.master.metadata; // timestamps differ between runs
  return f;
};
const chats = () => server.counts()['/api/chat'] ?? 0;

async function viaLibrary(cwd: string, o: Parameters<TaskMasterLocalSystem['processProjectRequirements']>[0]) {
  const sys = await TaskMasterLocalSystem.initialize({ cwd, env: env() });
  try {
    return await sys.processProjectRequirements(o);
  } finally {
    sys.close();
  }
}

describe('parse-prd: the CLI and the library facade run the same use case', () => {
  it('the same PRD and options write the same tasks.json', async () => {
    const cli = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const lib = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const r = await runCli(['parse-prd', '--max-depth', '2', '--expand-threshold', '1', '-n', '3'], {
      cwd: cli,
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    const out = await viaLibrary(lib, { maxDepth: 2, complexityThreshold: 1, numTasks: 3 });
    expect(out.written).toBe(true);
    expect(out.structural).toBeUndefined();
    expect(tag(lib)).toEqual(tag(cli));
    expect(tag(cli).master.tasks.some((t: { subtasks: unknown[] }) => t.subtasks.length > 0)).toBe(true);
  });

  it('with local.cache=false both ask the model again on a rerun (no cached answers, no checkpoints)', async () => {
    const config = JSON.stringify({ local: { cache: false } });
    const files = { '.taskmaster/docs/prd.txt': PRD, '.taskmaster/config.json': config };
    const cli = tempProject(files);
    const lib = tempProject(files);
    const args = ['parse-prd', '--max-depth', '2', '--expand-threshold', '1', '--json'];

    expect((await runCli(args, { cwd: cli, env: env() })).code).toBe(0);
    server.reset();
    const again = await runCli([...args, '--force'], { cwd: cli, env: env() });
    expect(again.code, again.stderr).toBe(0);
    const cliSummary = JSON.parse(again.stdout).summary;
    const cliCalls = chats();

    await viaLibrary(lib, { maxDepth: 2, complexityThreshold: 1 });
    server.reset();
    const libOut = await viaLibrary(lib, { maxDepth: 2, complexityThreshold: 1, writeMode: 'force' });
    const libCalls = chats();

    for (const s of [cliSummary, libOut.summary]) {
      expect(s.resumedNodes).toBe(0);
      expect(s.cacheHits).toBe(0);
      expect(s.llmCalls).toBeGreaterThan(0);
    }
    expect(libCalls).toBe(cliCalls);
    expect(libOut.summary.llmCalls).toBe(cliSummary.llmCalls);
    expect(tag(lib)).toEqual(tag(cli));
  });

  it('with the cache on, a rerun of either is answered from checkpoints and the cache: no model call', async () => {
    const cli = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const lib = tempProject({ '.taskmaster/docs/prd.txt': PRD });
    const args = ['parse-prd', '--max-depth', '2', '--expand-threshold', '1', '--json'];
    expect((await runCli(args, { cwd: cli, env: env() })).code).toBe(0);
    await viaLibrary(lib, { maxDepth: 2, complexityThreshold: 1 });
    server.reset();
    const again = await runCli([...args, '--force'], { cwd: cli, env: env() });
    const libOut = await viaLibrary(lib, { maxDepth: 2, complexityThreshold: 1, writeMode: 'force' });
    expect(chats()).toBe(0);
    expect(JSON.parse(again.stdout).summary.llmCalls).toBe(0);
    expect(libOut.summary.llmCalls).toBe(0);
    expect(tag(lib)).toEqual(tag(cli));
  });
});
