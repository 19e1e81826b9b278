import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

// task-master's research flags: -f/--files, -t/--tree, -d/--detail, -s/--save.
const TASKS = `${JSON.stringify(
  {
    master: {
      tasks: [
        {
          id: 1,
          title: 'Tune the cache',
          description: 'Pick an expiry.',
          details: 'Old notes.',
          status: 'pending',
          dependencies: [],
          priority: 'high',
          subtasks: [
            { id: 1, title: 'Measure', description: 'Measure hits', details: '', status: 'pending', dependencies: [] },
          ],
        },
        { id: 2, title: 'Ship', description: 'Ship it.', status: 'pending', dependencies: [1], priority: 'low' },
      ],
    },
  },
  null,
  2,
)}\n`;
const FILES = {
  'docs/cache.md':
    '# Session cache\n\nThe session cache keeps entries for ten minutes. The cache evicts the oldest entries first. The cache size is capped at 5000 entries. The cache is warmed at start.\n',
  'notes/limits.txt': 'The quartzite limit is 42 requests per second.\n',
  'src/server/app.ts': 'export const app = 1;\n',
  '.taskmaster/tasks/tasks.json': TASKS,
};
const Q = 'How long does the session cache keep entries?';
const tasksPath = (cwd: string) => join(cwd, '.taskmaster/tasks/tasks.json');

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => server.close());

const chats = () => server.requests.filter((r) => r.path === '/api/chat');

describe("research with task-master's flags", () => {
  it('-f files and -t tree join the context, -d sets the length, -s saves to tasks and subtasks', async () => {
    const cwd = tempProject(FILES);
    const env = { OLLAMA_HOST: server.url };
    server.reset();
    server.script((ctx) => (ctx.schema ? undefined : { content: 'Entries live for ten minutes [1].' }));
    expect((await runCli(['research', 'add', 'docs'], { cwd, env })).code).toBe(0);
    const r = await runCli(
      ['research', Q, '-f', 'notes/limits.txt, src/server/app.ts', '-t', '-d', 'low', '-s', '1,1.1', '--json'],
      { cwd, env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).saved_to).toBe('1,1.1');
    const prompt = JSON.stringify(chats()[0]!.body);
    expect(prompt).toContain('File: notes/limits.txt');
    expect(prompt).toContain('quartzite limit is 42');
    expect(prompt).toContain('File: src/server/app.ts');
    expect(prompt).toMatch(/Project tree:.*├── docs\/.*server\/.*app\.ts/);
    expect(prompt).toContain('at most 4 sentences');
    const saved = JSON.parse(readFileSync(tasksPath(cwd), 'utf8')).master.tasks;
    expect(saved[0].details).toMatch(/^Old notes\.\n\n## Research: How long/);
    expect(saved[0].subtasks[0].details).toMatch(/^## Research: How long/);
    expect(saved[1].details).toBeUndefined();

    server.reset();
    server.script((ctx) => (ctx.schema ? undefined : { content: 'Ten minutes [1].' }));
    expect((await runCli(['research', Q, '--detail', 'high'], { cwd, env })).code).toBe(0);
    expect(JSON.stringify(chats()[0]!.body)).toContain('at most 20 sentences');
  });

  it('without a model, --detail shapes the extractive answer too', async () => {
    const cwd = tempProject(FILES);
    expect((await runCli(['research', 'add', 'docs'], { cwd })).code).toBe(0);
    const sentences = async (d: string) => {
      const r = await runCli(['research', 'What does the session cache do with entries?', '-d', d, '--json'], { cwd });
      expect(r.code, r.stderr).toBe(0);
      const a = JSON.parse(r.stdout) as { answer: string; extractive: boolean };
      expect(a.extractive).toBe(true);
      return a.answer.split(/(?<=\.)\s+/).length;
    };
    expect(await sentences('low')).toBe(1);
    expect(await sentences('high')).toBe(3);
  });

  it('bad input: one line, exit 2, no model call, tasks.json byte-identical', async () => {
    const cwd = tempProject(FILES);
    const env = { OLLAMA_HOST: server.url };
    server.reset();
    for (const [args, message] of [
      [['-d', 'huge'], /^error: --detail: must be one of low, medium, high$/m],
      [['-f', 'docs/missing.md'], /^error: docs\/missing\.md does not exist$/m],
      [['-f', 'docs'], /^error: --files: docs is not a regular file$/m],
      [['-f', 'notes/limits.txt,,x'], /^error: --files: empty file path/m],
      [['-s', '99'], /^error: task 99 not found in .*tasks\.json \(tag master\)$/m],
      [['-s', '1.7'], /^error: task 1\.7 not found/m],
      [['--save', 'abc'], /^error: invalid task id\(s\): abc$/m],
    ] as const) {
      const r = await runCli(['research', Q, ...args], { cwd, env });
      expectOneErrorLine(r, { code: 2, match: message, label: args.join(' ') });
    }
    expect(chats()).toHaveLength(0);
    expect(readFileSync(tasksPath(cwd), 'utf8')).toBe(TASKS);
  });
});
