import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempProject } from '../../support/cli.js';
import { startFakeServer, type FakeServer } from '../../support/fake-llm-server.js';
import { NO_SERVER } from '../../support/fake-server-fixture.js';
import { openProject, type Project } from '../../../src/application/project.js';
import { openResearch } from '../../../src/application/open-research.js';
import { ResearchSessionRepo } from '../../../src/storage/research-session-repo.js';

const DOCS: Record<string, string> = {
  'docs/cache.md': '# Session cache\n\nThe session cache keeps entries for ten minutes before they expire.\n',
  'docs/deploy.md': '# Deployment\n\nWe deploy with docker compose on a single host.\n',
  'docs/testing.md': '# Testing\n\nUnit tests run with vitest.\n\n## Fixtures\n\nFixtures live in test/support.\n',
};

let server: FakeServer;
let root: string;
let projects: Project[] = [];
const env = (url: string) => ({ ...NO_SERVER, OLLAMA_HOST: url });
function open(url = server.url) {
  const p = openProject({ cwd: root, env: env(url), backoffMs: 1 });
  projects.push(p);
  return p;
}

beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => server.close());
beforeEach(() => {
  root = tempProject({ ...DOCS, '.taskmaster/config.json': JSON.stringify({ local: { embeddingBatchSize: 2 } }) });
  server.reset();
});
afterEach(() => {
  for (const p of projects) p.close();
  projects = [];
  rmSync(root, { recursive: true, force: true });
});

// The scripted "model" reads the numbered passages it was sent and cites the one about the cache,
// plus one claim citing a passage that does not exist.
function citingModel() {
  server.script((ctx) => {
    if (JSON.stringify(ctx.schema ?? {}).includes('recommendations')) {
      return {
        json: {
          recommendations: [
            { action: 'Keep the ten-minute cache expiry', rationale: 'Finding 1 documents it.', sources: [1, 7] },
          ],
        },
      };
    }
    if (ctx.schema) return undefined; // self-check and gaps: schema instances built from prompt words
    const user = ctx.messages.map((m) => m.content).join('\n');
    const n = /\[(\d+)\] docs\/cache\.md/.exec(user)?.[1];
    return {
      content: `The session cache keeps entries for ten minutes [${n}]. It is also blue [9]. Nothing else is known.`,
    };
  });
}

describe('research against the fake server', () => {
  it('embeds with the embedding model in ceil(chunks/batch) calls; unchanged re-add makes none', async () => {
    const rag = openResearch(open());
    const r = await rag.addSources(['docs']);
    expect(r.embedder).toMatchObject({ model: 'nomic-embed-text:latest', offline: false });
    const embeds = server.requests.filter((q) => q.path === '/api/embed');
    expect(embeds).toHaveLength(Math.ceil(r.chunks / 2));
    expect(r.embedCalls).toBe(embeds.length);
    const again = await rag.addSources(['docs']);
    expect(again.embedCalls).toBe(0);
    expect(server.requests.filter((q) => q.path === '/api/embed')).toHaveLength(embeds.length);
  });

  it('answers with checked citations, a self-check and a confidence in [0,1]', async () => {
    const rag = openResearch(open());
    await rag.addSources(['docs']);
    citingModel();
    const a = await rag.researchQuery('How long does the session cache keep entries?');
    expect(a.extractive).toBe(false);
    expect(a.model).toMatch(/llama3\.2/);
    expect(a.citations.map((c) => c.source)).toEqual(['docs/cache.md']);
    expect(a.invalidCitations).toEqual([9]);
    expect(a.answer).not.toContain('[9]');
    expect(a.uncited).toEqual(['It is also blue.', 'Nothing else is known.']);
    expect(a.confidence).toBeGreaterThanOrEqual(0);
    expect(a.confidence).toBeLessThanOrEqual(1);
    expect(a.confidenceReason).toMatch(/33% of sentences cited, self-check: (supported|partial|unsupported)/);
    expect(a.usage.calls).toBe(2);
    const chats = server.requests.filter((q) => q.path === '/api/chat');
    expect(JSON.stringify(chats[0]!.body)).toContain('<<<BEGIN PASSAGES>>>');
    const run = new ResearchSessionRepo(projects[0]!.db()).runs()[0]!;
    expect(run).toMatchObject({ kind: 'query', embedder: 'nomic-embed-text:latest', success: 1 });
    expect(run.calls).toBe(3); // query embedding + answer + self-check
  });

  it('detects an embedding dimension change for the same model and re-embeds lazily', async () => {
    await openResearch(open()).addSources(['docs']);
    const other = await startFakeServer({ embeddingDim: 768 });
    try {
      const s = await openResearch(open(other.url)).search('session cache');
      expect(s.notes.join(' ')).toMatch(/changed dimension 384 → 768/);
      expect(s.passages[0]!.source).toBe('docs/cache.md');
      const db = projects[1]!.db();
      const tables = db.prepare('SELECT model, dimension FROM research_vec_tables').all();
      expect(tables).toEqual([{ model: 'nomic-embed-text:latest', dimension: 768 }]);
    } finally {
      await other.close();
    }
  });

  it('re-embeds lazily at the next search when the embedding model changes (offline → server model)', async () => {
    const added = await openResearch(open('http://127.0.0.1:9')).addSources(['docs']);
    expect(added.embedder!.model).toBe('offline-hash-384');
    const before = server.requests.filter((q) => q.path === '/api/embed').length;
    const s = await openResearch(open()).search('session cache');
    expect(s.embedder).toMatchObject({ model: 'nomic-embed-text:latest', offline: false });
    expect(s.notes.join(' ')).toContain(`re-embedding ${added.chunks} chunks with nomic-embed-text:latest`);
    // one call for the query, then ceil(chunks / 2) for the lazy re-embed
    expect(server.requests.filter((q) => q.path === '/api/embed').length - before).toBe(
      1 + Math.ceil(added.chunks / 2),
    );
    const tables = projects[1]!.db().prepare('SELECT model FROM research_vec_tables ORDER BY model').all();
    expect(tables).toEqual([{ model: 'nomic-embed-text:latest' }, { model: 'offline-hash-384' }]);
    const again = await openResearch(open()).search('session cache');
    expect(again.notes).toEqual([]);
  });

  it('falls back to the offline embedder when the server has no embedding model', async () => {
    const other = await startFakeServer({ models: [{ name: 'llama3.2:latest' }] });
    try {
      const r = await openResearch(open(other.url)).addSources(['docs']);
      expect(r.embedder).toMatchObject({ model: 'offline-hash-384', offline: true });
      expect(r.embedder!.reason).toMatch(/no embedding model/);
    } finally {
      await other.close();
    }
  });

  it('runs a loop with model-proposed gaps and recommendations whose confidence comes from the evidence', async () => {
    const rag = openResearch(open());
    await rag.addSources(['docs']);
    citingModel();
    const r = await rag.autonomousResearchLoop('session cache lifetime', { iterations: 3, perIteration: 1 });
    expect(r.findings.length).toBeGreaterThanOrEqual(1);
    expect(r.iterations).toBeLessThanOrEqual(3);
    expect(r.stopReason).toMatch(/iterations|improving|no open questions/);
    // finding 1 exists, finding 7 does not: the recommendation keeps only real evidence
    expect(r.recommendations).toEqual([
      {
        action: 'Keep the ten-minute cache expiry',
        rationale: 'Finding 1 documents it.',
        confidence: r.findings[0]!.confidence,
        sources: ['docs/cache.md'],
      },
    ]);
    expect(r.history.length).toBe(r.iterations);
    const row = new ResearchSessionRepo(projects[0]!.db()).get(r.sessionId)!;
    expect(row.status).toBe('done');
    expect(JSON.parse(row.state).recommendations).toEqual(r.recommendations);
  });
});
