import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { UnifiedModelAPI } from '../../../src/models/unified-model-api.js';
import { tempProject } from '../../support/cli.js';
import { startFakeServers, type FakeCluster, type FakeServerOptions } from '../../support/fake-llm-server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const NOWHERE = {
  OLLAMA_HOST: 'http://127.0.0.1:9',
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
};

/** A model API over a config file (no default servers probed). */
function apiFor(local: Record<string, unknown>) {
  const dir = tempProject({
    '.taskmaster/config.json': JSON.stringify({ local: { discover: [], retries: 2, ...local } }),
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({ cwd: dir, env: NOWHERE });
  return { api: new UnifiedModelAPI({ config, env: NOWHERE, backoffMs: 1 }), config };
}

async function cluster(n: number, o: FakeServerOptions | ((i: number) => FakeServerOptions)): Promise<FakeCluster> {
  const c = await startFakeServers(n, o);
  cleanups.push(() => c.close());
  return c;
}

const ask = (content: string) => ({
  type: 'GENERAL' as const,
  messages: [{ role: 'user' as const, content }],
  noCache: true,
});
const chats = (c: FakeCluster) =>
  c.servers.map((s) => s.requests.filter((r) => r.path === '/v1/chat/completions').length);
const v1 = (c: FakeCluster) => c.urls.map((u) => `${u}/v1`);

describe('server pools', () => {
  it('spreads requests over a pool by free slots (llama.cpp /props) and shows each endpoint', async () => {
    const c = await cluster(3, { flavor: 'llamacpp', compute: { slots: 1, promptTimeMs: 60 } });
    const { api } = apiFor({ servers: { openaiCompatible: [v1(c)] } });
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => api.generateText(ask(`question ${i}`))));
    expect(answers.every((a) => a.model.endpoints?.length === 3)).toBe(true);
    // Every member took some, and never more than one at a time (one slot each).
    expect(chats(c).every((n) => n >= 1) && chats(c).reduce((a, b) => a + b) === 6).toBe(true);
    for (const s of c.servers) expect(s.tokens().records.every((r) => r.queuedMs < 20)).toBe(true);
    const [pool] = api.poolStatus();
    expect(pool!.members.map((m) => [m.capacity, m.source, m.detail])).toEqual(
      v1(c).map(() => [1, 'server', 'llama.cpp /props: 1 slot']),
    );
  });
});

const task = (title: string) => ({
  title,
  description: `${title} for the bookmarks service, end to end.`,
  details: `Build ${title.toLowerCase()} with its data model, API and error handling.`,
  testStrategy: 'unit and integration tests',
  priority: 'high',
  complexity: 8,
  dependencies: [],
});
const TOP = ['Accounts', 'Saving bookmarks', 'Search', 'Browser extension'];

describe('a pool member dies mid-run', () => {
  it('parse-prd completes on the other endpoints: the request in flight is retried on another member', async () => {
    const c = await cluster(3, { flavor: 'llamacpp', compute: { slots: 1, decodeTokensPerSec: 2000 } });
    for (const s of c.servers)
      s.script((ctx) =>
        JSON.stringify(ctx.schema ?? {}).includes('"tasks"')
          ? { json: { tasks: TOP.map(task) } }
          : { json: { subtasks: [task('First step'), task('Second step')].map((t) => ({ ...t, complexity: 2 })) } },
      );
    // Server 1 dies while streaming the first answer it is given.
    c.servers[1]!.fault({ kind: 'die', afterPieces: 3 });
    const dir = tempProject({
      '.taskmaster/config.json': JSON.stringify({
        local: { discover: [], retries: 2, servers: { openaiCompatible: [v1(c)] } },
      }),
    });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { openProject } = await import('../../../src/application/project.js');
    const { parsePrdUseCase } = await import('../../../src/application/parse-prd.js');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      `${dir}/prd.md`,
      '# Bookmarks\n\n## Accounts\nSign up and log in.\n\n## Search\nFind saved bookmarks.\n',
    );
    const project = openProject({ cwd: dir, env: NOWHERE, backoffMs: 1 });
    cleanups.push(() => project.close());
    const notes: string[] = [];
    const out = await parsePrdUseCase(
      project,
      { prdPath: `${dir}/prd.md`, maxDepth: 2, writeMode: 'force' },
      { onNote: (n) => notes.push(n) },
    );
    expect(out.written).toBe(true);
    expect(out.tasks).toHaveLength(4);
    expect(out.tasks.every((t) => t.subtasks.length === 2)).toBe(true);
    // The dead member saw a request (it died on it) and the others answered everything.
    expect(chats(c)[1]).toBe(1);
    expect(chats(c)[0]! + chats(c)[2]!).toBeGreaterThanOrEqual(5);
    // Said at most once (only if a later request found it gone).
    expect(
      notes.filter((n) => n.includes(v1(c)[1]!)),
      JSON.stringify(notes),
    ).toHaveLength(1);
  });
});

describe('bad pool input', () => {
  it('duplicate endpoints are used once and said once; an unreachable member leaves the pool working on the others', async () => {
    const c = await cluster(3, { flavor: 'llamacpp', compute: { slots: 1, promptTimeMs: 10 } });
    await c.kill(2);
    const [a, b, dead] = v1(c);
    const { api, config } = apiFor({
      servers: { openaiCompatible: [[a, `${a}/`, b, dead]] },
      registry: { pooled: { provider: 'openai-compatible', model: 'llama3.2:latest', endpoints: [a, b, b, dead] } },
    });
    const { buildModelsOverview } = await import('../../../src/models/overview.js');
    const overview = await buildModelsOverview(config, api.catalog);
    const said = (re: RegExp) => overview.warnings.filter((w) => re.test(w));
    expect(said(/lists .* more than once/)).toEqual([
      `local.servers.openaiCompatible[0] lists ${a} more than once; each endpoint is used once`,
      `local.registry.pooled lists ${b} more than once; each endpoint is used once`,
    ]);
    expect(said(new RegExp(`${dead} is unreachable`)).length).toBeGreaterThan(0);
    // The registry pool: the dead member is ejected (at discovery, or by the first request sent there,
    // which moves to another member at once); every request is answered by the others.
    const answers = await Promise.all([1, 2, 3, 4].map((i) => api.generateText({ ...ask(`q${i}`), model: 'pooled' })));
    expect(answers.every((x) => x.model.alias === 'pooled')).toBe(true);
    expect(chats(c)[0]! + chats(c)[1]!).toBe(4);
    const members = api.poolStatus()[0]!.members;
    expect(members.map((m) => [m.endpoint, m.state])).toEqual([
      [a, 'up'],
      [b, 'up'],
      [dead, 'ejected'],
    ]);
    expect(api.notes).toEqual([`${dead} is unreachable; its pool works with the other endpoints`]);
  });
});
