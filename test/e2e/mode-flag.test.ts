import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

// `--mode <mode>` holds for one run: flag > env (TASKMASTER_LOCAL_LLM=true) > config.json. The only
// server is a local one, so EXTERNAL_ONLY refuses it and LOCAL_ONLY uses it.
const PRD = `# App\n\n## Login\nUsers sign in with email.\n\n## Notes\nUsers write and list notes.\n`;
const MODES = 'LOCAL_ONLY, EXTERNAL_ONLY, HYBRID, LOCAL_PREFERRED, EXTERNAL_PREFERRED';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => {
  await server.close();
});

const project = (mode: string) =>
  tempProject({ '.taskmaster/docs/prd.txt': PRD, '.taskmaster/config.json': JSON.stringify({ local: { mode } }) });
const chats = () => server.counts()['/api/chat'] ?? 0;

async function parsePrd(mode: string, args: string[], env: Record<string, string> = {}) {
  server.reset();
  const r = await runCli(['parse-prd', '--require-model', '--max-depth', '1', ...args], {
    cwd: project(mode),
    env: { OLLAMA_HOST: server.url, ...env },
  });
  return { ...r, chats: chats() };
}

describe('--mode on parse-prd: flag > env > file, for this run only', () => {
  it('the file decides without flag or env', async () => {
    const r = await parsePrd('EXTERNAL_ONLY', []);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not allowed in EXTERNAL_ONLY \(set by config\.json local\.mode\)/);
    expect(r.chats).toBe(0);
  });

  it('env beats the file, the flag beats both', async () => {
    const env = await parsePrd('EXTERNAL_ONLY', [], { TASKMASTER_LOCAL_LLM: 'true' });
    expect(env.code, env.stderr).toBe(0);
    expect(env.chats).toBeGreaterThan(0);
    const flag = await parsePrd('EXTERNAL_ONLY', ['--mode', 'EXTERNAL_ONLY'], { TASKMASTER_LOCAL_LLM: 'true' });
    expect(flag.code).toBe(4);
    expect(flag.stderr).toMatch(/not allowed in EXTERNAL_ONLY \(set by flag --mode\)/);
    expect(flag.chats).toBe(0);
    const local = await parsePrd('EXTERNAL_ONLY', ['--mode', 'local-only']);
    expect(local.code, local.stderr).toBe(0);
    expect(local.chats).toBeGreaterThan(0);
  });

  it('a bad mode is one line listing the five, exit 2, nothing run', async () => {
    const r = await parsePrd('LOCAL_ONLY', ['--mode', 'cloud']);
    expectOneErrorLine(r, { code: 2, match: `error: --mode: must be one of ${MODES}`, alone: true });
    expect(r.chats).toBe(0);
  });
});

describe('--mode on recover (its --run replays model calls)', () => {
  it('is taken for the run, and a bad one is one line listing the five', async () => {
    const dir = project('LOCAL_ONLY');
    const ok = await runCli(['recover', '--mode', 'HYBRID'], { cwd: dir, env: { OLLAMA_HOST: server.url } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/no failures recorded/);
    const bad = await runCli(['recover', '--run', '--mode', 'cloud'], { cwd: dir, env: { OLLAMA_HOST: server.url } });
    expectOneErrorLine(bad, { code: 2, match: `error: --mode: must be one of ${MODES}` });
  });
});
