import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer, type ScriptContext } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

// add-task, update-task, update-subtask, update --from, scope-up/down against the fake server.
const TASKS = `${JSON.stringify(
  {
    master: {
      tasks: [
        {
          id: 1,
          title: 'Set up the repo',
          description: 'Init.',
          details: 'git init',
          testStrategy: '',
          status: 'done',
          dependencies: [],
          priority: 'high',
        },
        {
          id: 2,
          title: 'Build the login API',
          description: 'POST /login.',
          details: 'Use bcrypt.',
          testStrategy: 'Unit tests.',
          status: 'in-progress',
          dependencies: [1],
          priority: 'high',
          subtasks: [
            {
              id: 1,
              title: 'Hash passwords',
              description: 'bcrypt',
              details: 'cost 12',
              status: 'done',
              dependencies: [],
            },
            {
              id: 2,
              title: 'Issue tokens',
              description: 'JWT',
              details: 'HS256',
              status: 'pending',
              dependencies: [1],
            },
          ],
        },
        {
          id: 3,
          title: 'Write docs',
          description: 'Docs.',
          details: '',
          testStrategy: '',
          status: 'done',
          dependencies: [2],
          priority: 'low',
        },
        {
          id: 4,
          title: 'Deploy',
          description: 'Ship it.',
          details: 'docker',
          testStrategy: 'smoke',
          status: 'pending',
          dependencies: [2],
          priority: 'medium',
        },
      ],
      metadata: {
        created: '2026-01-01T00:00:00.000Z',
        updated: '2026-01-01T00:00:00.000Z',
        description: 'Tasks for master context',
      },
    },
  },
  null,
  2,
)}\n`;

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => server.close());

const chats = () => server.requests.filter((r) => r.path === '/api/chat');
const userText = (ctx: ScriptContext) =>
  ctx.messages
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n');
const read = (cwd: string) => JSON.parse(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')).master.tasks;
const raw = (cwd: string) => readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8');

/** Answers by request kind, as a model following the prompt would. */
function scriptModel() {
  server.script((ctx) => {
    const u = userText(ctx);
    if (u.includes('The user asks for a new task'))
      return {
        json: {
          title: 'Rate-limit login',
          description: 'Limit login attempts.',
          details: 'Token bucket per IP.',
          testStrategy: 'Burst test.',
          priority: 'high',
          dependsOn: [2, 99],
        },
      };
    if (u.includes("The user's note")) return { json: { info: 'Tokens expire after 15 minutes.' } };
    const id = Number(/Task (\d+):/.exec(u)?.[1]);
    const scoped = /larger scope/.test(u) ? ' (larger)' : /smaller scope/.test(u) ? ' (smaller)' : '';
    return {
      json: {
        title: `Task ${id} revised${scoped}`,
        description: 'Revised description.',
        details: 'Revised details.',
        testStrategy: 'Revised tests.',
        subtasks: [
          { id: 1, title: 'Rewrite of a done subtask', description: 'x', details: 'x' },
          { id: 2, title: 'Issue refresh tokens', description: 'JWT + refresh', details: 'HS256, 15 min' },
          { id: 9, title: 'Invented', description: 'x', details: 'x' },
        ],
      },
    };
  });
}

describe('task edits against the fake server', () => {
  it('add-task -p: id after the last, status pending, only existing dependencies; -t/-d needs no model', async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': TASKS });
    const env = { OLLAMA_HOST: server.url };
    server.reset();
    scriptModel();
    const r = await runCli(['add-task', '-p', 'limit login attempts per IP', '--json'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ id: 5, ai: true, droppedDependencies: [99] });
    const t5 = read(cwd)[4];
    expect(t5).toMatchObject({
      id: 5,
      title: 'Rate-limit login',
      status: 'pending',
      dependencies: [2],
      priority: 'high',
    });
    expect(read(cwd).slice(0, 4)).toEqual(JSON.parse(TASKS).master.tasks);

    const before = chats().length;
    const m = await runCli(
      ['add-task', '-t', 'Write a runbook', '-d', 'Ops notes.', '--dependencies', '4,2', '--priority', 'low'],
      { cwd, env },
    );
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(
      /^add-task: task 6 "Write a runbook" added \(low priority, depends on 2, 4\) by hand, no model/,
    );
    expect(chats().length).toBe(before);
    expect(read(cwd)[5]).toMatchObject({ id: 6, status: 'pending', dependencies: [2, 4], priority: 'low' });
  });

  it('update-task rewrites text only: ids, status, dependencies and done subtasks stay; invented subtask ids are ignored', async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': TASKS });
    server.reset();
    scriptModel();
    const r = await runCli(['update-task', '--id', '2', '-p', 'use refresh tokens'], {
      cwd,
      env: { OLLAMA_HOST: server.url },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^update-task: 1\/1 task\(s\) rewritten/);
    expect(r.stdout).toMatch(/ignored subtask id\(s\) 1, 9/);
    const t = read(cwd)[1];
    expect(t).toMatchObject({
      id: 2,
      title: 'Task 2 revised',
      status: 'in-progress',
      dependencies: [1],
      priority: 'high',
      details: 'Revised details.',
    });
    expect(t.subtasks[0]).toEqual(JSON.parse(TASKS).master.tasks[1].subtasks[0]);
    expect(t.subtasks[1]).toMatchObject({ id: 2, title: 'Issue refresh tokens', status: 'pending', dependencies: [1] });
    expect(t.subtasks).toHaveLength(2);
    const prompt = userText({
      messages: (chats()[0]!.body as { messages: ScriptContext['messages'] }).messages,
    } as ScriptContext);
    expect(prompt).toMatch(/^<<<BEGIN PROJECT>>>\nTasks of this project \(tag master\)/);
    expect(prompt).toContain('(done: leave out)');
    expect(prompt).toContain('use refresh tokens');
  });

  it("update-subtask and update-task --append add task-master's timestamped block to details", async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': TASKS });
    const env = { OLLAMA_HOST: server.url };
    server.reset();
    scriptModel();
    const s = await runCli(['update-subtask', '--id', '2.2', '-p', 'we chose 15 minute tokens'], { cwd, env });
    expect(s.code, s.stderr).toBe(0);
    const sub = read(cwd)[1].subtasks[1];
    expect(sub.details).toMatch(
      /^HS256\n<info added on (\S+)>\nTokens expire after 15 minutes\.\n<\/info added on \1>$/,
    );
    expect(sub.title).toBe('Issue tokens');
    const a = await runCli(['update-task', '--id', '4', '-p', 'note the token expiry', '--append', '--json'], {
      cwd,
      env,
    });
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ id: '4', info: 'Tokens expire after 15 minutes.' });
    expect(read(cwd)[3]).toMatchObject({ title: 'Deploy', details: expect.stringMatching(/^docker\n<info added on /) });
  });

  it('update --from rewrites every unfinished task from there, in parallel; scope-up/down rescope', async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': TASKS });
    const env = { OLLAMA_HOST: server.url };
    server.reset();
    scriptModel();
    const r = await runCli(['update', '--from', '2', '-p', 'we moved to Postgres', '--json'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tasks.map((t: { id: string }) => t.id)).toEqual(['2', '4']);
    const after = read(cwd);
    expect(after.map((t: { status: string }) => t.status)).toEqual(['done', 'in-progress', 'done', 'pending']);
    expect(after[2]).toEqual(JSON.parse(TASKS).master.tasks[2]);
    expect(after[3].title).toBe('Task 4 revised');

    server.reset();
    scriptModel();
    const up = await runCli(['scope-up', '-i', '4', '-s', 'heavy', '-p', 'add blue-green deploys'], { cwd, env });
    expect(up.code, up.stderr).toBe(0);
    const sent = JSON.stringify(chats()[0]!.body);
    expect(sent).toContain('a much larger scope');
    expect(sent).toContain('add blue-green deploys');
    expect(read(cwd)[3]).toMatchObject({
      id: 4,
      title: 'Task 4 revised (larger)',
      status: 'pending',
      dependencies: [2],
    });
    const down = await runCli(['scope-down', '--id', '2,4', '--strength', 'light'], { cwd, env });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/^scope-down: 2\/2 task\(s\) rewritten/);
  });

  it('scope-up grows the pending subtasks toward the target: kept by id, new ones added, done ones kept', async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': TASKS });
    const env = { OLLAMA_HOST: server.url };
    server.reset();
    // As a model following the prompt: task 2's one pending subtask is kept (id 2) and four are added.
    const fresh = (title: string) => ({ title, description: `${title}.`, details: 'As agreed.' });
    server.script(() => ({
      json: {
        title: 'Build the login API, hardened',
        description: 'POST /login with lockout.',
        details: 'bcrypt, lockout, audit log.',
        testStrategy: 'Unit and abuse tests.',
        subtasks: [
          { id: 2, title: 'Issue rotating tokens', description: 'JWT + refresh', details: 'HS256, 15 min' },
          fresh('Lock out after failures'),
          fresh('Audit log of logins'),
          fresh('Rate-limit per IP'),
          fresh('Abuse tests'),
        ],
      },
    }));
    const up = await runCli(['scope-up', '-i', '2', '-s', 'light', '--json'], { cwd, env });
    expect(up.code, up.stderr).toBe(0);
    expect(chats()).toHaveLength(1);
    // task-master's target: 1 kept + 1 pending, light -> ceil(5 x 1.2) = 7 in all (its float arithmetic), 6 pending;
    // the schema takes one either way, so the five of this answer pass
    expect(JSON.stringify(chats()[0]!.body)).toContain('1 pending subtask(s); rescoped, it should have about 6');
    const task2 = read(cwd)[1];
    const ids = task2.subtasks.map((x: { id: number; title: string; status: string }) => [x.id, x.title, x.status]);
    expect(ids).toEqual([
      [1, 'Hash passwords', 'done'],
      [2, 'Issue rotating tokens', 'pending'],
      [3, 'Lock out after failures', 'pending'],
      [4, 'Audit log of logins', 'pending'],
      [5, 'Rate-limit per IP', 'pending'],
      [6, 'Abuse tests', 'pending'],
    ]);
    expect(task2.subtasks[0]).toEqual(JSON.parse(TASKS).master.tasks[1].subtasks[0]);
    expect(task2.subtasks[1].dependencies).toEqual([1]);
    expect(JSON.parse(up.stdout).tasks[0].changed).toEqual(expect.arrayContaining(['2.2 title', '2.6 added']));
  });

  it('-r adds passages from the local knowledge base as background after the task', async () => {
    const cwd = tempProject({
      '.taskmaster/tasks/tasks.json': TASKS,
      'docs/deploy.md': '# Deploy\n\nDeploy uses blue-green switching behind the zephyrine load balancer.\n',
    });
    const env = { OLLAMA_HOST: server.url };
    expect((await runCli(['research', 'add', 'docs'], { cwd, env })).code).toBe(0);
    server.reset();
    scriptModel();
    const r = await runCli(['update-task', '--id', '4', '-p', 'use the load balancer', '-r'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const sent = JSON.stringify(chats().at(-1)!.body);
    expect(sent).toContain("Background from the project's knowledge base");
    expect(sent).toContain('zephyrine load balancer');
    server.reset();
    scriptModel();
    expect((await runCli(['update-task', '--id', '4', '-p', 'use the load balancer'], { cwd, env })).code).toBe(0);
    expect(JSON.stringify(chats().at(-1)!.body)).not.toContain('Background from');
  });

  it('fenced JSON, <think> blocks, prose and a truncated answer are recovered; a model that always truncates fails cleanly with tasks.json unchanged', async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': TASKS });
    const env = { OLLAMA_HOST: server.url };
    for (const kind of ['fenced', 'think', 'prose', 'truncated'] as const) {
      server.reset();
      server.fault({ kind, times: 1 });
      const r = await runCli(['update-task', '--id', '4', '-p', `change ${kind}`, '--json'], { cwd, env });
      expect(r.code, `${kind}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).tasks[0].changed).toContain('title');
    }
    const before = raw(cwd);
    server.reset();
    server.fault({ kind: 'truncated', times: 100 });
    const bad = await runCli(['update-task', '--id', '4', '-p', 'change again'], { cwd, env });
    expectOneErrorLine(bad, { code: 1 });
    expect(raw(cwd)).toBe(before);
  });

  it('bad input: one line, exit 2, no model call, tasks.json byte-identical', async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': TASKS });
    const env = { OLLAMA_HOST: server.url };
    server.reset();
    scriptModel();
    for (const [args, message] of [
      [['update-task', '--id', '99', '-p', 'x'], /^error: task 99 does not exist in tag "master"/m],
      [['update-task', '--id', '2', '-p', 'x', '--tag', 'nope'], /^error: tag "nope" does not exist/m],
      [['update-task', '--id', '2.1', '-p', 'x'], /^error: --id: 2\.1 is a subtask id; this command takes a task id$/m],
      [['update-task', '--id', '3', '-p', 'x'], /^error: task 3 is done; update-task rewrites unfinished work$/m],
      [['update-subtask', '--id', '2', '-p', 'x'], /^error: --id: 2 is a task id/m],
      [['update-subtask', '--id', '2.7', '-p', 'x'], /^error: subtask 2\.7 does not exist/m],
      [['update', '--from', '9', '-p', 'x'], /^error: --from: 9 is beyond the last task \(4\) of tag "master"$/m],
      [['update', '--from', '2', '-p', '  '], /^error: --prompt is empty$/m],
      [['add-task', '-p', ''], /^error: --prompt is empty$/m],
      [['add-task', '-t', 'Only a title'], /^error: a task added by hand needs both --title and --description$/m],
      [['add-task', '-p', 'x', '--dependencies', '2,77'], /^error: task 77 does not exist/m],
      [['add-task', '-p', 'x', '--priority', 'urgent'], /^error: --priority: must be one of high, medium, low$/m],
      [['scope-up', '-i', '2', '-s', 'huge'], /^error: --strength: must be one of light, regular, heavy$/m],
      [['scope-down', '-i', '1'], /^error: task 1 is done; scope-down rescopes unfinished work$/m],
    ] as const) {
      const r = await runCli([...args], { cwd, env });
      expectOneErrorLine(r, { code: 2, match: message, label: args.join(' ') });
    }
    expect(chats()).toHaveLength(0);
    expect(raw(cwd)).toBe(TASKS);
    // A tasks.json edited by hand into a shape the commands cannot work on.
    const broken = TASKS.replace('"id": 4,', '"id": "four",');
    writeFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), broken);
    const s = await runCli(['update', '--from', '1', '-p', 'x'], { cwd, env });
    expectOneErrorLine(s, {
      code: 2,
      match: /^error: .*tasks\.json: tag "master": task at position 4 has no valid id/,
    });
    expect(raw(cwd)).toBe(broken);
  });

  it('no model reachable: add-task -p and update* fail with one line and a hint (exit 4); nothing written', async () => {
    const cwd = tempProject({ '.taskmaster/tasks/tasks.json': TASKS });
    for (const args of [
      ['add-task', '-p', 'x'],
      ['update-task', '--id', '2', '-p', 'x'],
      ['update-subtask', '--id', '2.2', '-p', 'x'],
      ['update', '--from', '1', '-p', 'x'],
      ['scope-up', '-i', '4'],
    ]) {
      const r = await runCli(args, { cwd });
      expectOneErrorLine(r, { code: 4, label: args.join(' ') });
    }
    expect(raw(cwd)).toBe(TASKS);
  });
});
