import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runCli, tempProject } from '../support/cli.js';
import { ensureLlamaCppForTests, makeTinyGguf } from '../support/make-tiny-gguf.js';
import { expectOneErrorLine } from '../support/expect-error.js';

// No server runs in these tests: runCli points every server URL at a closed port.
const PRD = readFileSync(new URL('../../.taskmaster/docs/prd.txt', import.meta.url), 'utf8');
// quoteBias: random weights never close unbounded JSON strings on their own.
const TINY = makeTinyGguf({ quoteBias: 2 });
let env: Record<string, string>;
beforeAll(() => {
  const path = ensureLlamaCppForTests();
  env = path ? { TML_LLAMA_CPP_PATH: path } : {};
});

const Subtask = z
  .object({
    id: z.number().int().positive(),
    title: z.string().min(1),
    description: z.string(),
    status: z.literal('pending'),
    dependencies: z.array(z.union([z.number(), z.string()])),
  })
  .loose();
const Task = z
  .object({
    id: z.number().int().positive(),
    title: z.string().min(1),
    description: z.string(),
    details: z.string(),
    testStrategy: z.string(),
    priority: z.enum(['high', 'medium', 'low']),
    status: z.literal('pending'),
    dependencies: z.array(z.number().int()),
    subtasks: z.array(Subtask),
  })
  .loose();
const TasksFile = z.object({ master: z.object({ tasks: z.array(Task).min(1) }).loose() });

function validTasks(cwd: string) {
  const file = TasksFile.parse(JSON.parse(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')));
  const ids = new Set(file.master.tasks.map((t) => t.id));
  for (const t of file.master.tasks)
    for (const d of t.dependencies) expect(ids.has(d), `task ${t.id} depends on unknown ${d}`).toBe(true);
  return file.master.tasks;
}

function project(config: Record<string, unknown>, files: Record<string, string | Buffer> = {}) {
  const cwd = tempProject({ '.taskmaster/docs/prd.txt': PRD, 'models/tiny.gguf': TINY, ...files });
  writeFileSync(join(cwd, '.taskmaster/config.json'), JSON.stringify(config, null, 2));
  return cwd;
}

describe('embedded models end to end (no server running)', () => {
  it('parse-prd --model local-tiny --require-model writes a schema-valid tasks.json from the in-process model', async () => {
    const cwd = project({});
    const add = await runCli(
      ['models', '--add', 'local-tiny', '--provider', 'llama-cpp', '--model', 'models/tiny.gguf'],
      { cwd, env },
    );
    expect(add.code, add.stderr).toBe(0);
    const r = await runCli(['parse-prd', '--model', 'local-tiny', '--require-model'], { cwd, env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/parse-prd: \d+ tasks .* models: local-tiny/);
    expect(r.stderr).toContain('note: answered by the embedded model local-tiny');
    const tasks = validTasks(cwd);
    expect(tasks.length).toBeGreaterThan(0);
  }, 120_000);

  it('uses a GGUF found in local.modelDirs when the configured server is down, and says so', async () => {
    const cwd = project({
      models: { main: { provider: 'ollama', modelId: 'llama3.2' } },
      local: { modelDirs: ['models'] },
    });
    const r = await runCli(['parse-prd', '--max-depth', '1', '--json'], { cwd, env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.embedded).toEqual(['local-tiny']);
    expect(out.structural).toBeUndefined();
    validTasks(cwd);
  }, 120_000);

  it('skips a broken registry entry with one line and continues down the chain', async () => {
    const cwd = project(
      {
        local: {
          registry: {
            broken: { provider: 'llama-cpp', model: 'notes.gguf' },
            'local-tiny': { provider: 'llama-cpp', model: 'models/tiny.gguf' },
          },
        },
      },
      { 'notes.gguf': 'plain text\n' },
    );
    const r = await runCli(['parse-prd', '--max-depth', '1', '--json'], { cwd, env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).summary.models).toEqual(['local-tiny']);
    validTasks(cwd);
  }, 120_000);

  it('models lists GGUF files and Ollama-pulled models with size and context; --add rejects a non-GGUF in one line', async () => {
    const digest = 'c'.repeat(64);
    const cwd = project(
      { local: { modelDirs: ['models'] } },
      {
        [`.ollama/models/blobs/sha256-${digest}`]: makeTinyGguf({ ctx: 2048, quoteBias: 2 }),
        '.ollama/models/manifests/registry.ollama.ai/library/pulled/q4': JSON.stringify({
          layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}` }],
        }),
        'notes.gguf': 'plain text\n',
      },
    );
    // runCli sets HOME to the project, so ~/.ollama/models is the store written above.
    const r = await runCli(['models', '--json'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as {
      models: Array<{ model: string; provider: string; sizeBytes: number; contextLength: number }>;
    };
    const embedded = o.models.filter((m) => m.provider === 'llama-cpp');
    expect(embedded).toEqual([
      expect.objectContaining({ model: join(cwd, 'models/tiny.gguf'), sizeBytes: TINY.length, contextLength: 4096 }),
      expect.objectContaining({ model: 'ollama:pulled:q4', contextLength: 2048 }),
    ]);
    const text = await runCli(['models'], { cwd, env });
    expect(text.stdout).toMatch(/llama-cpp\s+in-process \(llama\.cpp\)\s+ok, 2 models/);

    const bad = await runCli(['models', '--add', 'bad', '--provider', 'llama-cpp', '--model', 'notes.gguf'], {
      cwd,
      env,
    });
    expectOneErrorLine(bad, { match: /^error: .*notes\.gguf is not a GGUF model file/ });
    expect(readFileSync(join(cwd, '.taskmaster/config.json'), 'utf8')).not.toContain('"bad"');

    const pulled = await runCli(['parse-prd', '--model', 'ollama:pulled:q4', '--require-model', '--max-depth', '1'], {
      cwd,
      env,
      timeoutMs: 120_000,
    });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stderr).toContain('note: answered by the embedded model');
    validTasks(cwd);
  }, 120_000);

  it('names a missing Ollama blob and a missing node-llama-cpp each in one line', async () => {
    const cwd = project({ local: { registry: { gone: { provider: 'llama-cpp', model: 'ollama:gone' } } } });
    mkdirSync(join(cwd, '.ollama/models'), { recursive: true });
    const r = await runCli(['parse-prd', '--model', 'gone', '--require-model'], { cwd, env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Ollama model 'ollama:gone' has no local blob/);

    const cwd2 = project({
      local: { registry: { 'local-tiny': { provider: 'llama-cpp', model: 'models/tiny.gguf' } } },
    });
    const none = await runCli(['parse-prd', '--model', 'local-tiny', '--require-model'], {
      cwd: cwd2,
      env: { TML_LLAMA_CPP_PATH: join(cwd2, 'no-such-dir') },
    });
    const line = expectOneErrorLine(none, { match: /^error: .*npm install node-llama-cpp@3\.21\.1/ });
    expect(line).toMatch(/needs node-llama-cpp, which is not installed/);
  }, 120_000);

  it('health loads each configured embedded model and asks it for JSON; bad files fail one line each', async () => {
    const cwd = project(
      {
        local: {
          modelDirs: ['models'],
          registry: {
            'local-tiny': { provider: 'llama-cpp', model: 'models/tiny.gguf' },
            cut: { provider: 'llama-cpp', model: 'cut.gguf' },
            alien: { provider: 'llama-cpp', model: 'alien.gguf' },
          },
        },
      },
      { 'cut.gguf': TINY.subarray(0, 100_000), 'alien.gguf': makeTinyGguf({ architecture: 'nosucharch' }) },
    );
    const r = await runCli(['health', '--json'], { cwd, env });
    const report = JSON.parse(r.stdout) as {
      checks: Array<{ name: string; status: string; detail: string; hint?: string }>;
    };
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName['embedded local-tiny']).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('returned schema-valid JSON'),
    });
    expect(byName['embedded cut']).toMatchObject({ status: 'fail', detail: expect.stringContaining('truncated GGUF') });
    expect(byName['embedded alien']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining("architecture 'nosucharch'"),
    });
    expect(byName['chat model']).toMatchObject({ status: 'pass', detail: expect.stringContaining('in-process') });
    for (const c of report.checks) expect(c.detail).not.toContain('\n');
  }, 120_000);

  it('research answers with the embedded model when no server runs, and says so', async () => {
    const cwd = project(
      { local: { modelDirs: ['models'] } },
      { 'notes.md': 'Ollama keeps pulled models as GGUF blobs under ~/.ollama/models.\n' },
    );
    const add = await runCli(['research', 'add', 'notes.md'], { cwd, env });
    expect(add.code, add.stderr).toBe(0);
    const r = await runCli(['research', 'where does Ollama keep models'], { cwd, env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Model: local-tiny/);
    expect(r.stdout).toContain('note: answered by the embedded model local-tiny');
  }, 120_000);
});
