import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startFakeServer, type FakeServer } from '../support/fake-llm-server.js';
import { expectOneErrorLine } from '../support/expect-error.js';

const DOCS = {
  'docs/cache.md':
    '# Session cache\n\nThe session cache keeps entries for ten minutes before they expire.\n\n## Eviction\n\nLeast recently used entries are evicted beyond 5000 items.\n',
  'docs/deploy.md': '# Deployment\n\nWe deploy with docker compose. Rollbacks use the image tag xylophonic-rollback.\n',
  'docs/testing.md': '# Testing\n\nUnit tests run with vitest against a temporary SQLite file.\n',
  '.taskmaster/tasks/tasks.json': JSON.stringify({
    master: {
      tasks: [
        {
          id: 1,
          title: 'Tune the zanzibar cache',
          description: 'Pick an expiry.',
          details: 'Old notes.',
          status: 'pending',
          dependencies: [],
          priority: 'high',
          subtasks: [],
        },
      ],
    },
  }),
};
const QUESTION = 'How long does the session cache keep entries?';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => server.close());

describe('research CLI without any model', () => {
  it('adds docs, answers extractively citing the one document that answers, and saves a file', async () => {
    const cwd = tempProject(DOCS);
    const add = await runCli(['research', 'add', 'docs'], { cwd });
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/added 3, updated 0, unchanged 0/);
    expect(add.stdout).toMatch(/embedder: offline-hash-384 \(offline embedder/);
    const again = await runCli(['research', 'add', 'docs', '--json'], { cwd });
    expect(JSON.parse(again.stdout)).toMatchObject({ embedCalls: 0, chunks: 0 });

    const r = await runCli(['research', QUESTION, '--json', '--save-file'], { cwd });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([...new Set(out.citations.map((c: { source: string }) => c.source))]).toEqual(['docs/cache.md']);
    expect(out.citations[0]).toMatchObject({ n: 1, lines: expect.stringMatching(/^\d+-\d+$/) });
    expect(out.confidence).toBeGreaterThanOrEqual(0);
    expect(out.confidence).toBeLessThanOrEqual(1);
    expect(out.confidence_reason).toMatch(/extractive/);
    expect(out.model).toBeNull();
    expect(out.notes.join(' ')).toMatch(/no model reachable/);
    const saved = readdirSync(join(cwd, '.taskmaster/docs/research'));
    expect(saved).toEqual([
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}_how-long-does-the-session-cache-keep-entries\.md$/),
    ]);
    expect(out.saved_file).toContain(saved[0]);
    expect(readFileSync(join(cwd, '.taskmaster/docs/research', saved[0]!), 'utf8')).toContain('docs/cache.md');
  });

  it('search ranks an exact rare term first and survives FTS5 syntax characters', async () => {
    const cwd = tempProject(DOCS);
    await runCli(['research', 'add', 'docs'], { cwd });
    const s = await runCli(['research', 'search', 'xylophonic-rollback'], { cwd });
    expect(s.code).toBe(0);
    expect(s.stdout.split('\n')[0]).toMatch(/^1\. docs\/deploy\.md:1-3/);
    for (const q of ['"cache', 'cache*', '-cache', 'title: (cache)', 'NEAR(cache AND']) {
      // `--` so that a query starting with '-' is not read as an option
      const r = await runCli(['research', 'search', '--json', '--', q], { cwd });
      expect(r.code, `${q}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).passages.length).toBeGreaterThan(0);
    }
  });

  it('an empty knowledge base says how to fill it; sources/remove manage it', async () => {
    const cwd = tempProject(DOCS);
    const empty = await runCli(['research', QUESTION], { cwd });
    expectOneErrorLine(empty, {
      code: 2,
      match: 'error: the research knowledge base is empty',
      hint: /^hint: .*research add <dir>/,
    });
    await runCli(['research', 'add', 'docs'], { cwd });
    const rm = await runCli(['research', 'remove', 'docs/deploy.md'], { cwd });
    expect(rm.stdout).toMatch(/removed docs\/deploy\.md/);
    const list = JSON.parse((await runCli(['research', 'sources', '--json'], { cwd })).stdout);
    expect(list.map((s: { source: string }) => s.source)).toEqual(['docs/cache.md', 'docs/testing.md']);
    const missing = await runCli(['research', 'remove', 'nope.md'], { cwd });
    expectOneErrorLine(missing, { code: 2, hint: /^hint: list them with `research sources`/ });
  });
});

describe('research CLI against the fake server', () => {
  it('synthesizes a cited answer with task context and appends it to the task', async () => {
    const cwd = tempProject(DOCS);
    const env = { OLLAMA_HOST: server.url };
    server.reset();
    server.script((ctx) => {
      if (ctx.schema) return undefined;
      const text = ctx.messages.map((m) => m.content).join('\n');
      const n = /\[(\d+)\] docs\/cache\.md/.exec(text)?.[1];
      return { content: `Entries live for ten minutes [${n}].` };
    });
    expect((await runCli(['research', 'add', 'docs'], { cwd, env })).stdout).toMatch(
      /embedder: nomic-embed-text:latest\n/,
    );
    const r = await runCli(['research', QUESTION, '--json', '--id', '1', '--save-to', '1'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      answer: expect.stringMatching(/ten minutes \[\d\]/),
      model: expect.stringMatching(/llama3\.2/),
      uncited_sentences: [],
    });
    expect(out.citations.map((c: { source: string }) => c.source)).toEqual(['docs/cache.md']);
    expect(out.confidence_reason).toMatch(/100% of sentences cited, self-check/);
    const answerCall = server.requests.filter((q) => q.path === '/api/chat')[0]!;
    expect(JSON.stringify(answerCall.body)).toContain('Tune the zanzibar cache');
    const task = JSON.parse(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')).master.tasks[0];
    expect(task.details).toMatch(/^Old notes\.\n\n## Research: How long does the session cache keep entries\?/);
    expect(task.details).toContain('docs/cache.md');
    const bad = await runCli(['research', QUESTION, '--id', '99'], { cwd, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/task 99 not found/);
  });

  it('runs a loop with recommendations, lists the session and resumes it', async () => {
    const cwd = tempProject(DOCS);
    const env = { OLLAMA_HOST: server.url };
    server.reset();
    server.script((ctx) =>
      JSON.stringify(ctx.schema ?? {}).includes('recommendations')
        ? {
            json: {
              recommendations: [
                { action: 'Keep the expiry at ten minutes', rationale: 'Documented in finding 1.', sources: [1] },
              ],
            },
          }
        : undefined,
    );
    await runCli(['research', 'add', 'docs'], { cwd, env });
    const r = await runCli(['research', 'session cache', '--loop', '2', '--json'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const loop = JSON.parse(r.stdout);
    expect(loop.recommendations).toEqual([
      {
        action: 'Keep the expiry at ten minutes',
        rationale: 'Documented in finding 1.',
        confidence: loop.findings[0].confidence,
        sources: expect.any(Array),
      },
    ]);
    const sessions = await runCli(['research', 'sessions'], { cwd, env });
    expect(sessions.stdout).toContain(loop.sessionId);
    const resumed = JSON.parse(
      (await runCli(['research', '--resume', loop.sessionId, '--loop', '1', '--json'], { cwd, env })).stdout,
    );
    expect(resumed.sessionId).toBe(loop.sessionId);
    expect(resumed.findings.length).toBeGreaterThanOrEqual(loop.findings.length);
    expect(existsSync(join(cwd, '.taskmaster/local.db'))).toBe(true);
  });
});
