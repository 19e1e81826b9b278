import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../../src/storage/db.js';
import { ResearchRepo } from '../../../src/storage/research-repo.js';
import { ResearchSessionRepo } from '../../../src/storage/research-session-repo.js';
import { LocalRAGSystem } from '../../../src/research/rag-system.js';

const DOCS: Record<string, string> = {
  'docs/cache.md':
    '# Session cache\n\nThe session cache keeps entries for ten minutes before they expire.\n\n## Eviction\n\nLeast recently used entries are evicted when the cache holds more than 5000 items.\n',
  'docs/deploy.md':
    '# Deployment\n\nWe deploy with docker compose on a single host.\n\nRollbacks use the previous image tag, named xylophonic-rollback.\n',
  'docs/testing.md': '# Testing\n\nUnit tests run with vitest. Integration tests use a temporary SQLite file.\n',
  'src/util.ts': 'export function add(a: number, b: number) {\n  return a + b;\n}\n',
  'ignored/secret.md': '# Secret\n\nthis must not be indexed\n',
  '.gitignore': 'ignored/\n',
};

let root: string;
let db: DB;
let rag: LocalRAGSystem;
const now = () => new Date('2026-03-04T05:06:07Z');

function write(rel: string, content: string | Buffer) {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), content);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tml-rag-'));
  for (const [p, c] of Object.entries(DOCS)) write(p, c);
  db = openDatabase(join(root, '.taskmaster', 'local.db'));
  rag = new LocalRAGSystem({
    repo: new ResearchRepo(db),
    sessions: new ResearchSessionRepo(db),
    root,
    clock: now,
    embedder: { batchSize: 2 },
  });
});
afterEach(() => {
  db.close();
  rmSync(root, { recursive: true, force: true });
});

describe('LocalRAGSystem without a model', () => {
  it('ingests a tree honouring .gitignore; re-adding unchanged files makes no embed calls', async () => {
    write('docs/logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0xff, 0x00]));
    const r = await rag.addSources(['.', 'missing-dir']);
    expect(r.added).toEqual(['docs/cache.md', 'docs/deploy.md', 'docs/testing.md', 'src/util.ts']);
    expect(r.skipped).toEqual(
      expect.arrayContaining([
        { path: 'docs/logo.png', reason: 'binary file' },
        { path: 'missing-dir', reason: 'no such file or directory' },
      ]),
    );
    expect(r.embedder).toMatchObject({ model: 'offline-hash-384', offline: true });
    expect(r.embedCalls).toBe(Math.ceil(r.chunks / 2));
    const again = await rag.addSources(['.']);
    expect(again).toMatchObject({ added: [], updated: [], chunks: 0, embedCalls: 0 });
    expect(again.unchanged).toHaveLength(4);
  });

  it('a changed file replaces its chunks; remove drops a source', async () => {
    await rag.addSources(['docs']);
    write('docs/deploy.md', '# Deployment\n\nWe now deploy with kubernetes.\n');
    const r = await rag.addSources(['docs']);
    expect(r.updated).toEqual(['docs/deploy.md']);
    expect(r.embedCalls).toBe(1);
    const s = await rag.search('docker compose');
    expect(s.passages.some((p) => p.text.includes('docker'))).toBe(false);
    expect(rag.removeSource('docs/testing.md')).toEqual(['docs/testing.md']);
    expect(() => rag.removeSource('nope.md')).toThrow(/no source named nope.md/);
    expect(rag.sources().map((x) => x.source)).toEqual(['docs/cache.md', 'docs/deploy.md']);
  });

  it('ranks an exact rare term first and handles FTS5 syntax characters in queries', async () => {
    await rag.addSources(['docs']);
    const s = await rag.search('xylophonic-rollback');
    expect(s.passages[0]).toMatchObject({ source: 'docs/deploy.md', lines: '1-5' });
    for (const q of ['"cache', 'cache*', '-cache', 'cache: (ttl)', 'NEAR(cache', 'AND OR']) {
      await expect(rag.search(q)).resolves.toBeDefined();
    }
    const filtered = await rag.search('cache', { source: 'docs/testing.md' });
    expect(new Set(filtered.passages.map((p) => p.source))).toEqual(new Set(['docs/testing.md']));
    await expect(rag.search('cache', { source: 'nope' })).rejects.toThrow(/no source named nope/);
  });

  it('an empty knowledge base gets a hint', async () => {
    await expect(rag.search('anything')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      hint: expect.stringContaining('research add <dir>'),
    });
  });

  it('answers extractively with a citation to the document that answers, and records a summary row', async () => {
    await rag.addSources(['docs']);
    await rag.addExternalKnowledge({ title: 'Team note', content: 'Releases happen every second Tuesday.' });
    const a = await rag.researchQuery('How long does the session cache keep entries before they expire?');
    expect(a.extractive).toBe(true);
    expect(a.model).toBeNull();
    expect(a.notes.join(' ')).toMatch(/extractive/);
    expect(a.citations[0]).toMatchObject({ n: 1, source: 'docs/cache.md' });
    expect(a.answer).toMatch(/ten minutes before they expire \[1\]\./);
    expect(a.uncited).toEqual([]);
    expect(a.confidence).toBeGreaterThan(0);
    expect(a.confidence).toBeLessThanOrEqual(1);
    expect(a.confidenceReason).toMatch(/extractive/);
    const note = await rag.researchQuery('When do releases happen?');
    expect(note.citations[0]!.source).toBe('note:Team note');
    const runs = new ResearchSessionRepo(db).runs();
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ kind: 'query', embedder: 'offline-hash-384', success: 1, model: null });
  });

  it('notes keep a category: listed, filterable in searches and questions, changed by re-adding', async () => {
    await rag.addSources(['docs']);
    // the specification's positional call: addExternalKnowledge(title, content, category)
    const r = await rag.addExternalKnowledge(
      'Release policy',
      'Releases ship every second Tuesday.',
      'domain_expertise',
    );
    expect(r.added).toEqual(['note:Release policy']);
    await rag.addExternalKnowledge({
      title: 'Cache policy',
      content: 'The cache policy is ten minutes.',
      category: 'ops',
    });
    expect(rag.sources({ category: 'domain_expertise' }).map((x) => [x.source, x.category])).toEqual([
      ['note:Release policy', 'domain_expertise'],
    ]);
    expect(rag.sources().find((x) => x.source === 'docs/cache.md')!.category).toBeNull();
    const s = await rag.search('cache policy releases', { category: 'domain_expertise' });
    expect([...new Set(s.passages.map((p) => p.source))]).toEqual(['note:Release policy']);
    const a = await rag.researchQuery('How long does the cache keep entries?', { category: 'ops' });
    expect(a.citations.every((c) => c.source === 'note:Cache policy')).toBe(true);
    await expect(rag.search('cache', { category: 'nope' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no source in category nope',
      hint: 'categories in use: domain_expertise, ops',
    });
    await expect(rag.addExternalKnowledge('X', 'y', 'two\nlines')).rejects.toThrow(/invalid category/);
    // same text, another category: an update, not a no-op
    const moved = await rag.addExternalKnowledge('Release policy', 'Releases ship every second Tuesday.', 'process');
    expect(moved).toMatchObject({ updated: ['note:Release policy'], unchanged: [] });
    expect(rag.sources({ category: 'domain_expertise' })).toEqual([]);
  });

  it('runs a loop that stores a resumable session and ends with recommendations', async () => {
    await rag.addSources(['docs']);
    const r = await rag.autonomousResearchLoop('session cache', { iterations: 1 });
    expect(r.iterations).toBe(1);
    expect(r.findings[0]!.question).toBe('session cache');
    expect(r.recommendations.length).toBeGreaterThan(0);
    expect(r.recommendations[0]!.sources).toContain('docs/cache.md');
    const more = await rag.autonomousResearchLoop('', { resume: r.sessionId, iterations: 2 });
    expect(more.sessionId).toBe(r.sessionId);
    expect(more.findings.length).toBeGreaterThan(1);
    expect(more.findings.slice(1).every((f) => f.question.startsWith('session cache: '))).toBe(true);
    const row = new ResearchSessionRepo(db).get(r.sessionId)!;
    expect(more.iterations).toBeGreaterThan(1);
    expect(row).toMatchObject({ status: 'done', iterations_done: more.iterations });
    expect(more.stopReason).toMatch(/iterations|improving|no open questions/);
    await expect(rag.autonomousResearchLoop('', { resume: 'rs-nope' })).rejects.toThrow(/no research session/);
  });
});
