import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { keptAnswers, plantedScript, promptHistory, wordingPhrase } from '../support/prompt-history.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ answers: { arrayItems: { tasks: 4, subtasks: 3 } } });
});
afterAll(async () => {
  await server.close();
});

describe('optimize --target prompts (CLI)', () => {
  it('bad input: an empty history says what to run first, an unknown --prompt lists the names (exit 2, nothing written)', async () => {
    const root = tempProject();
    const env = { OLLAMA_HOST: server.url };
    const empty = await runCli(['optimize', '--target', 'prompts'], { cwd: root, env });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(
      /^error: nothing to tune parse-prd on yet: .*\nhint: run `task-master-local parse-prd` first/,
    );
    const unknown = await runCli(['optimize', '--target', 'prompts', '--prompt', 'nope'], { cwd: root, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'error: --prompt nope: not a prompt that can be tuned\nhint: prompts that can be tuned: expand-task, parse-prd',
    );
    expect(existsSync(join(root, '.taskmaster/prompts'))).toBe(false);
  });

  it('prints the winner against the prompt in effect and the command that applies it; applied, it is in effect', async () => {
    const split = { train: 40, valid: 60, test: 0 };
    const { root, env, p } = await promptHistory(server.url);
    server.script(plantedScript(keptAnswers(p, split), wordingPhrase('parse-prd', 4)));
    p.close();
    try {
      const r = await runCli(['optimize', '--target', 'prompts', '--split', '40,60,0', '--seed', '3'], {
        cwd: root,
        env,
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/prompt parse-prd on \d+ valid example\(s\) of dataset ds-\w+, model /);
      expect(r.stdout).toMatch(/current parse-prd@v2: fitness 0\.\d{3}/);
      expect(r.stdout).toMatch(/best variant \w{12}: fitness 1\.000 \(\+0\.\d{3}\)/);
      expect(r.stdout).toContain('Turn the requirements in the PRD text above into a task plan');
      const cmd = /apply it as a project prompt: task-master-local (optimize --resume opt-\w+ --apply)/.exec(r.stdout);
      expect(cmd).not.toBeNull();
      expect(existsSync(join(root, '.taskmaster/prompts'))).toBe(false);
      const a = await runCli(cmd![1]!.split(' '), { cwd: root, env });
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(/wrote .*prompts\/parse-prd\/v3\.md: parse-prd@v3\+project replaces parse-prd@v2/);
      const l = await runCli(['finetune', 'prompts'], { cwd: root, env });
      expect(l.stdout).toMatch(/parse-prd +parse-prd@v3\+project +\(project: .*replaces parse-prd@v2\)/);
    } finally {
      server.script(undefined);
    }
  }, 30_000);
});
