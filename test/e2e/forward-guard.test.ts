import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/registry.js';
import { TASK_MASTER_AI_COMMANDS } from '../../src/application/forward-commands.js';
import { runCli, tempProject } from '../support/cli.js';
import { TASK_MASTER_BIN } from '../support/task-master.js';
import { expectOneErrorLine } from '../support/expect-error.js';

// The AI commands still forwarded (ours win once registered); tui is task-master's REPL and stays forwarded.
const FORWARDED_AI = TASK_MASTER_AI_COMMANDS.filter((c) => !COMMANDS.some((x) => x.name === c));

let trap: Server;
let trapConnections = 0;
let trapUrl = '';
beforeAll(async () => {
  // Stands in for a cloud API behind a loopback port (a tunnel, a gateway): it must never see a connection.
  trap = createServer((s) => {
    trapConnections++;
    s.destroy();
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  trapUrl = `http://127.0.0.1:${(trap.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => trap.close(() => r())));

/** A task-master stand-in that records that it started (then runs `exec`, or echoes its args). */
function recordingTaskMaster(exec?: string): { bin: string; started: () => string | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'tml-guard-bin-'));
  const marker = join(dir, 'started');
  const bin = join(dir, 'task-master');
  const tail = exec ? `exec "${exec}" "$@"` : 'echo "fake ARGS:$*"';
  writeFileSync(bin, `#!/bin/sh\necho "$*" >> "${marker}"\n${tail}\n`);
  chmodSync(bin, 0o755);
  return { bin, started: () => (existsSync(marker) ? readFileSync(marker, 'utf8') : undefined) };
}

const TASKS = JSON.stringify({
  master: {
    tasks: [{ id: 1, title: 'Set up', description: 'Set up the repo', status: 'pending', priority: 'high' }],
  },
});

function project(models: Record<string, unknown>, extra: Record<string, string> = {}, local?: object): string {
  return tempProject({
    '.taskmaster/config.json': JSON.stringify({ models, ...(local ? { local } : {}) }),
    '.taskmaster/tasks/tasks.json': TASKS,
    ...extra,
  });
}

const externalRoles = () => ({
  main: { provider: 'anthropic', modelId: 'claude-sonnet-4-20250514', baseURL: trapUrl },
  research: { provider: 'openai', modelId: 'gpt-4o', baseURL: `${trapUrl}/v1` },
  fallback: { provider: 'ollama', modelId: 'llama3.2', baseURL: 'http://127.0.0.1:9/api' },
});

describe('forwarding guard: task-master AI commands we do not implement', () => {
  it('LOCAL_ONLY: an AI command with an external role is refused before task-master starts; the trap sees nothing', async () => {
    const tm = recordingTaskMaster(TASK_MASTER_BIN);
    const cwd = project(externalRoles());
    const env = { TASK_MASTER_BIN: tm.bin, ANTHROPIC_API_KEY: 'sk-ant-test', OPENAI_API_KEY: 'sk-test' };
    expect(FORWARDED_AI).toContain('tui');
    for (const args of FORWARDED_AI.map((c) => [c, '--tag', 'master'])) {
      const r = await runCli(args, { cwd, env });
      expectOneErrorLine(r, {
        code: 3,
        match: new RegExp(
          `^error: refused: task-master's '${args[0]}' would call role main \\(anthropic claude-sonnet-4-20250514\\), and mode LOCAL_ONLY \\(set by default\\) allows only local models: provider anthropic is an external service`,
        ),
        hint: /models --set-main/,
      });
      expect(r.stdout).toBe('');
    }
    expect(tm.started()).toBeUndefined();
    expect(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')).toBe(TASKS);
    expect(trapConnections).toBe(0);
  });

  it("a role config.json lacks is task-master's default (a hosted model), and is refused by name", async () => {
    const tm = recordingTaskMaster();
    const local = { provider: 'ollama', modelId: 'llama3.2', baseURL: 'http://127.0.0.1:9/api' };
    const cwd = project({ main: local, fallback: local });
    const r = await runCli(['tui'], {
      cwd,
      env: { TASK_MASTER_BIN: tm.bin, TASKMASTER_LOCAL_LLM: 'true' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^error: refused: task-master's 'tui' would call role research \(perplexity sonar, task-master's default: config\.json names no such role\), and mode LOCAL_ONLY \(set by env TASKMASTER_LOCAL_LLM=true\)/m,
    );
    expect(tm.started()).toBeUndefined();
  });

  it("an ollama role without a baseURL is judged at the URL task-master would use (the project's .env)", async () => {
    const tm = recordingTaskMaster();
    const role = { provider: 'ollama', modelId: 'llama3.2' };
    const cwd = project(
      { main: role, research: role, fallback: role },
      { '.env': 'OLLAMA_BASE_URL="http://gpu.example.com:11434/api"\n' },
    );
    const r = await runCli(['tui'], { cwd, env: { TASK_MASTER_BIN: tm.bin } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /role main \(ollama llama3\.2\).*gpu\.example\.com:11434 is not a loopback, private or trusted host/,
    );
    expect(tm.started()).toBeUndefined();
  });

  it('forwards an AI command when every role is allowed: all local, or a mode that allows external models', async () => {
    const tm = recordingTaskMaster();
    const role = { provider: 'ollama', modelId: 'llama3.2', baseURL: 'http://127.0.0.1:9/api' };
    const allLocal = project({ main: role, research: role, fallback: { provider: 'lmstudio', modelId: 'qwen' } });
    const a = await runCli(['tui', '--tag', 'master'], { cwd: allLocal, env: { TASK_MASTER_BIN: tm.bin } });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain('fake ARGS:tui --tag master');
    const hybrid = project(externalRoles(), {}, { mode: 'HYBRID' });
    const h = await runCli(['repl'], { cwd: hybrid, env: { TASK_MASTER_BIN: tm.bin } });
    expect(h.code, h.stderr).toBe(0);
    expect(tm.started()).toBe('tui --tag master\nrepl\n');
    expect(trapConnections).toBe(0);
  });

  it('help for an AI command, and commands that launch Claude Code only when they would launch it', async () => {
    const tm = recordingTaskMaster();
    const cwd = project(externalRoles());
    const env = { TASK_MASTER_BIN: tm.bin };
    expect((await runCli(['tui', '--help'], { cwd, env })).code).toBe(0);
    const start = await runCli(['start', '1'], { cwd, env });
    expectOneErrorLine(start, { code: 3, match: /^error: refused: task-master's 'start' launches Claude Code/ });
    expect((await runCli(['start', '1', '--dry-run'], { cwd, env })).code).toBe(0);
    expect(tm.started()).toBe('tui --help\nstart 1 --dry-run\n');
  });

  it('a command that calls no model is forwarded as before: the real task-master lists the tasks', async () => {
    const tm = recordingTaskMaster(TASK_MASTER_BIN);
    const cwd = project(externalRoles());
    mkdirSync(join(cwd, '.git'));
    const r = await runCli(['list'], { cwd, env: { TASK_MASTER_BIN: tm.bin }, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Set up');
    expect(tm.started()).toBe('list\n');
    expect(trapConnections).toBe(0);
  }, 60_000);
});
