import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../../src/storage/db.js';
import { ResearchRepo } from '../../../src/storage/research-repo.js';
import { ResearchSessionRepo } from '../../../src/storage/research-session-repo.js';
import { ResearchVectorRepo } from '../../../src/storage/research-vector-repo.js';
import { buildFtsQuery, quoteFtsToken } from '../../../src/research/fts-query.js';
import { VectorIndex } from '../../../src/research/vector-index.js';
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

  it('stores vectors once per model set and finds nearest chunks; deletes cascade to vectors and sketches', () => {
    const texts = ['cache expiry ten minutes', 'deploy with docker', 'unit tests with vitest'];
    const { sourceId, chunkIds } = repo.replaceSource(
      { source: 'a.md', kind: 'file', hash: 'h', bytes: 1 },
      texts.map((t, i) => chunk(i, t)),
    );
    const index = new VectorIndex(new ResearchVectorRepo(db), { candidates: () => 2 });
    const set = index.ensure('offline-hash-384', 384, []);
    const rows = chunkIds.map((id, i) => ({ chunkId: id, vector: offlineEmbedOne(texts[i]!) }));
    expect(index.insert(set, rows)).toBe(3);
    // idempotent: a second insert of the same chunks stores nothing and raises nothing
    expect(index.insert(set, rows)).toBe(0);
    const now = index.repo.set(set.name)!;
    expect(now.vectors).toBe(3);
    expect(index.search(now, offlineEmbedOne('docker deploy'), 2)[0]!.id).toBe(chunkIds[1]);
    expect(
      index.search(now, offlineEmbedOne('docker deploy'), 2, [chunkIds[0]!, chunkIds[2]!]).map((h) => h.id),
    ).not.toContain(chunkIds[1]);
    expect(repo.chunkIdsOfSources([sourceId])).toEqual(chunkIds);
    repo.removeSources('a.md');
    expect(index.repo.set(set.name)!.vectors).toBe(0);
    for (const t of ['vectors', 'sketch', 'probe'])
      expect(db.prepare(`SELECT count(*) AS n FROM ${set.name}_${t}`).get()).toEqual({ n: 0 });
  });

  it('a dimension change for the same model drops the old set instead of mixing dimensions', () => {
    const { chunkIds } = repo.replaceSource({ source: 'a.md', kind: 'file', hash: 'h', bytes: 1 }, [chunk(0, 'x')]);
    const index = new VectorIndex(new ResearchVectorRepo(db));
    const s8 = index.ensure('m', 8, []);
    index.insert(s8, [{ chunkId: chunkIds[0]!, vector: new Float32Array(8).fill(0.5) }]);
    expect(() => index.insert(s8, [{ chunkId: chunkIds[0]!, vector: new Float32Array(16) }])).toThrow(/dimension 16/);
    const notes: string[] = [];
    const s16 = index.ensure('m', 16, notes);
    expect(notes[0]).toMatch(/changed dimension 8 → 16/);
    expect(index.repo.sets().map((t) => t.dimension)).toEqual([16]);
    expect(s16.vectors).toBe(0);
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
    expect(repo.matchCount(quoteFtsToken('cache'), 10)).toBe(2);
    expect(repo.matchCount(quoteFtsToken('cache'), 1)).toBe(1);
    expect(repo.matchCount(quoteFtsToken('absent'), 10)).toBe(0);
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
