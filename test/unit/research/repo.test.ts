import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../../src/storage/db.js';
import { ResearchRepo } from '../../../src/storage/research-repo.js';
import { ResearchSessionRepo } from '../../../src/storage/research-session-repo.js';
import { buildFtsQuery } from '../../../src/research/fts-query.js';
import { offlineEmbedOne } from '../../../src/research/offline-embedder.js';

let db: DB;
let repo: ResearchRepo;
const chunk = (ord: number, text: string, heading = '') => ({
  ord,
  startLine: ord * 10 + 1,
  endLine: ord * 10 + 5,
  heading,
  text,
});

beforeEach(() => {
  db = openDatabase(':memory:');
  repo = new ResearchRepo(db);
});
afterEach(() => db.close());

describe('ResearchRepo', () => {
  it('replaces a source and its chunks, keeping FTS in step', () => {
    repo.replaceSource({ source: 'docs/a.md', kind: 'file', hash: 'h1', bytes: 10 }, [
      chunk(0, 'alpha zebra'),
      chunk(1, 'beta'),
    ]);
    expect(repo.fts('"zebra"', 10)).toHaveLength(1);
    const { chunkIds } = repo.replaceSource({ source: 'docs/a.md', kind: 'file', hash: 'h2', bytes: 10 }, [
      chunk(0, 'gamma'),
    ]);
    expect(repo.fts('"zebra"', 10)).toHaveLength(0);
    expect(repo.fts('"gamma"', 10).map((r) => r.id)).toEqual(chunkIds);
    expect(repo.getSource('docs/a.md')).toMatchObject({ hash: 'h2', chunk_count: 1 });
    expect(repo.countChunks()).toBe(1);
  });

  it('stores vectors per model table and finds nearest chunks; deletes cascade into vec0', () => {
    const texts = ['cache expiry ten minutes', 'deploy with docker', 'unit tests with vitest'];
    const { sourceId, chunkIds } = repo.replaceSource(
      { source: 'a.md', kind: 'file', hash: 'h', bytes: 1 },
      texts.map((t, i) => chunk(i, t)),
    );
    const { table } = repo.ensureVecTable('offline-hash-384', 384);
    repo.insertVectors(
      table,
      chunkIds.map((id, i) => ({ chunkId: id, sourceId, vector: offlineEmbedOne(texts[i]!) })),
    );
    expect(repo.pendingChunks(table)).toHaveLength(0);
    const hits = repo.knn(table, offlineEmbedOne('docker deploy'), 2);
    expect(hits[0]!.id).toBe(chunkIds[1]);
    expect(repo.knn(table, offlineEmbedOne('docker deploy'), 2, { sourceIds: [sourceId] })[0]!.id).toBe(chunkIds[1]);
    repo.removeSources('a.md');
    expect(db.prepare(`SELECT count(*) AS n FROM ${table.name}`).get()).toEqual({ n: 0 });
    expect(repo.embeddedCount(table)).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM research_vector_copies').get()).toEqual({ n: 0 });
  });

  it('a dimension change for the same model drops the old table instead of mixing dimensions', () => {
    const { chunkIds, sourceId } = repo.replaceSource({ source: 'a.md', kind: 'file', hash: 'h', bytes: 1 }, [
      chunk(0, 'x'),
    ]);
    const t8 = repo.ensureVecTable('m', 8).table;
    repo.insertVectors(t8, [{ chunkId: chunkIds[0]!, sourceId, vector: new Float32Array(8).fill(0.5) }]);
    expect(() => repo.insertVectors(t8, [{ chunkId: chunkIds[0]!, sourceId, vector: new Float32Array(16) }])).toThrow(
      /dimension 16/,
    );
    const r = repo.ensureVecTable('m', 16);
    expect(r.droppedDimension).toBe(8);
    expect(repo.vecTables().map((t) => t.dimension)).toEqual([16]);
    expect(repo.pendingChunks(r.table)).toHaveLength(1);
  });

  it('filters sources by exact name or directory prefix', () => {
    for (const s of ['docs/a.md', 'docs/sub/b.md', 'docsx.md'])
      repo.replaceSource({ source: s, kind: 'file', hash: s, bytes: 1 }, [chunk(0, s)]);
    expect(repo.sourceIds('docs').length).toBe(2);
    expect(repo.sourceIds('docs/').length).toBe(2);
    expect(repo.sourceIds('docsx.md').length).toBe(1);
    expect(repo.removeSources('docs')).toEqual(['docs/a.md', 'docs/sub/b.md']);
  });

  it('counts term frequency up to a cap (porter-stemmed like the index)', () => {
    repo.replaceSource({ source: 'a.md', kind: 'file', hash: 'h', bytes: 1 }, [
      chunk(0, 'caching layer'),
      chunk(1, 'cache keys'),
      chunk(2, 'other'),
    ]);
    expect(repo.termFrequency('cache', 10)).toBe(2);
    expect(repo.termFrequency('cache', 1)).toBe(1);
    expect(repo.termFrequency('absent', 10)).toBe(0);
    expect(repo.maxChunkId()).toBe(3);
  });

  it('no user query raises an FTS5 syntax error', () => {
    repo.replaceSource({ source: 'a.md', kind: 'file', hash: 'h', bytes: 1 }, [
      chunk(0, 'the foo-bar "quoted" value: (x*y) NEAR and OR'),
    ]);
    for (const q of [
      '"unbalanced',
      'foo*',
      '-bar',
      'a:b',
      '(x',
      'AND',
      'NEAR(foo',
      "it's",
      'x) OR (',
      '^foo',
      '{col}: x',
    ]) {
      const m = buildFtsQuery(q);
      if (m) expect(() => repo.fts(m, 5)).not.toThrow();
    }
    expect(repo.fts(buildFtsQuery('foo-bar:')!, 5)).toHaveLength(1);
  });
});

describe('ResearchSessionRepo', () => {
  it('saves, updates and lists sessions; records runs', () => {
    const s = new ResearchSessionRepo(db);
    const base = {
      id: 'rs-1',
      topic: 't',
      status: 'running' as const,
      iterations_done: 1,
      max_iterations: 3,
      confidence: 0.4,
      state: '{}',
      updated_at: '2026-01-01T00:00:00Z',
    };
    s.save(base);
    s.save({ ...base, status: 'done', iterations_done: 2, updated_at: '2026-01-01T00:01:00Z' });
    expect(s.get('rs-1')).toMatchObject({ status: 'done', iterations_done: 2, created_at: '2026-01-01T00:00:00Z' });
    expect(s.list()).toHaveLength(1);
    s.recordRun({
      ts: 'x',
      kind: 'query',
      questionHash: 'q',
      passages: 3,
      model: null,
      embedder: 'offline-hash-384',
      confidence: 0.5,
      calls: 1,
      promptTokens: 0,
      completionTokens: 0,
      durationMs: 2,
      success: true,
    });
    expect(s.runs()[0]).toMatchObject({ kind: 'query', passages: 3, success: 1 });
  });
});
