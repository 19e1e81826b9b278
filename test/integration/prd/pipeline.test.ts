import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer, type ScriptContext } from '../../support/fake-llm-server.js';
import { parsePrd } from '../../../src/prd/run.js';
import { prdOptions } from '../../support/prd-run.js';
import { PRD, project } from './helpers.js';

// Answers stream at a set pace (the compute model: generated tokens cost time and stream as generated),
// with slots to spare, so an expansion can run while its parent is still being generated.
let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer({ compute: { decodeTokensPerSec: 300, slots: 6 } });
});
afterAll(async () => {
  await server.close();
});

const task = (title: string, complexity = 8) => ({
  title,
  description: `${title} for the bookmarks service, end to end.`,
  details: `Build ${title.toLowerCase()} with its data model, API and error handling.`,
  testStrategy: 'unit and integration tests',
  priority: 'high',
  complexity,
  dependencies: [],
});
const sub = (title: string) => ({ ...task(title, 2), priority: undefined });
const isChunk = (c: ScriptContext) => JSON.stringify(c.schema ?? {}).includes('"tasks"');
/** The task an expansion request breaks down: "Break task 2 above" → the plan line "2. <title>". */
const expanding = (c: ScriptContext) => {
  const u = c.messages.at(-1)!.content;
  const n = /Break task (\d+) above/.exec(u)?.[1];
  return n ? new RegExp(`^${n}\\. (.+)$`, 'm').exec(u)?.[1] : undefined;
};
const subtasksOf = (c: ScriptContext) => ({
  json: { subtasks: [sub(`First step of ${expanding(c)}`), sub(`Second step of ${expanding(c)}`)] },
});
const run = (p: ReturnType<typeof project>, extra = {}) =>
  parsePrd(
    {
      prd: PRD,
      prdPath: 'prd.txt',
      tasksPath: p.paths.tasks,
      tag: 'master',
      mode: 'force',
      dryRun: false,
      options: prdOptions({ maxDepth: 2, noCache: true, ...extra }),
    },
    { api: p.api, repo: p.repo },
  );
const chatBodies = () =>
  server.requests
    .filter((r) => r.path === '/api/chat')
    .map((r) => r.body as { messages: { role: string; content: string }[] });
const subtitles = (out: Awaited<ReturnType<typeof run>>) => out.tasks.map((t) => t.subtasks.map((s) => s.title));

describe('pipelined decomposition on the streamed answer', () => {
  it('asks for each task’s subtasks while its siblings are still being generated, with the same result as waiting', async () => {
    // Six tasks: the answer takes a few seconds to stream, the first task is complete after a sixth of it.
    const tasks = ['Accounts', 'Saving bookmarks', 'Search', 'Browser extension', 'Tags', 'Export'].map((t) => task(t));
    server.reset();
    server.script((c) => (isChunk(c) ? { json: { tasks } } : subtasksOf(c)));
    const p = project(server.url);
    const out = await run(p);
    // Records are kept in the order requests finished; ids in the order they arrived.
    const byArrival = () => [...server.tokens().records].sort((a, b) => a.id - b.id);
    const recs = byArrival();
    const parent = recs[0]!;
    // The first expansion reached the server before the top-level answer had finished streaming.
    expect(recs.length).toBe(7);
    expect(recs[1]!.start).toBeLessThan(parent.end);
    // Waiting for whole answers (one call at a time) gives the same tasks.json.
    server.reset();
    server.script((c) => (isChunk(c) ? { json: { tasks } } : subtasksOf(c)));
    const q = project(server.url);
    const serial = await run(q, { concurrency: 1 });
    expect(byArrival()[1]!.start).toBeGreaterThanOrEqual(byArrival()[0]!.end);
    expect(out.tasks).toEqual(serial.tasks);
    expect(subtitles(out)[1]).toEqual(['First step of Saving bookmarks', 'Second step of Saving bookmarks']);
    p.close();
    q.close();
  });

  it('a re-asked parent keeps the expansions its new answer asks again and cancels the ones it invalidates', async () => {
    const first = JSON.stringify({
      tasks: [task('Accounts'), task('Saving bookmarks'), { ...task('Search'), complexity: 42 }],
    });
    const second = { tasks: [task('Accounts'), task('Bookmark import'), task('Search')] };
    server.reset();
    server.script((c) => {
      if (isChunk(c)) return c.messages.length > 2 ? { json: second } : { content: first };
      // The expansion of the task the re-ask drops is slow, so it is still running when it is cancelled.
      return expanding(c) === 'Saving bookmarks' ? { ...subtasksOf(c), delayMs: 3000 } : subtasksOf(c);
    });
    const p = project(server.url);
    const out = await run(p);
    const bodies = chatBodies();
    const reask = bodies.findIndex((b) => b.messages.length > 2);
    const asked = (title: string) =>
      bodies
        .map((b, i) => ({ i, t: expanding({ messages: b.messages } as ScriptContext) }))
        .filter((x) => x.t === title);
    // "Accounts" was expanded once, from the first (invalid) answer, and that expansion was kept.
    expect(asked('Accounts')).toHaveLength(1);
    expect(asked('Accounts')[0]!.i).toBeLessThan(reask);
    // "Saving bookmarks" was started from the first answer, then cancelled: the final answer no longer has it.
    expect(asked('Saving bookmarks')).toHaveLength(1);
    expect(server.tokens().records.some((r) => r.aborted)).toBe(true);
    expect(out.summary.discarded).toBe(1);
    expect(out.tasks.map((t) => t.title)).toEqual(['Accounts', 'Bookmark import', 'Search']);
    expect(
      subtitles(out)
        .flat()
        .some((s) => s.includes('Saving bookmarks')),
    ).toBe(false);
    expect(subtitles(out)[0]).toEqual(['First step of Accounts', 'Second step of Accounts']);
    // Only the final tree's answers are checkpointed: the top-level answer and 3 expansions.
    expect(p.repo.countCheckpoints(out.summary.runKey)).toBe(4);
    p.close();
  });

  it('an answer cut in the middle of an element keeps the complete elements’ expansions only if a retry completes it', async () => {
    const tasks = [task('Accounts'), task('Saving bookmarks'), task('Search')];
    const whole = JSON.stringify({ tasks });
    const cut = whole.slice(0, whole.indexOf('"title":"Search"') + 12);
    // The re-ask completes the answer: the expansions started from the cut one are kept, none asked twice.
    server.reset();
    server.script((c) => (isChunk(c) ? { content: c.messages.length > 2 ? whole : cut } : subtasksOf(c)));
    const p = project(server.url);
    const out = await run(p);
    const titles = chatBodies()
      .map((b) => expanding({ messages: b.messages } as ScriptContext))
      .filter(Boolean);
    expect(titles.sort()).toEqual(['Accounts', 'Saving bookmarks', 'Search']);
    expect(out.summary.discarded).toBe(0);
    expect(subtitles(out)).toHaveLength(3);
    // Never completed: the run fails, the speculative expansions are discarded, nothing is written.
    server.reset();
    server.script((c) => (isChunk(c) ? { content: cut } : subtasksOf(c)));
    const q = project(server.url);
    await expect(run(q, { requireModel: true })).rejects.toThrow(/valid answer|schema|JSON/i);
    expect(chatBodies().some((b) => expanding({ messages: b.messages } as ScriptContext) === 'Accounts')).toBe(true);
    expect(q.db.prepare('SELECT count(*) AS n FROM prd_checkpoints').get()).toEqual({ n: 0 });
    expect(q.repo.listRuns(1)[0]).toMatchObject({ success: false });
    p.close();
    q.close();
  });
});
