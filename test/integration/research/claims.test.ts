import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/errors.js';
import { openDatabase, type DB } from '../../../src/storage/db.js';
import { ResearchClaimRepo } from '../../../src/storage/research-claim-repo.js';
import { ResearchRepo } from '../../../src/storage/research-repo.js';
import { ResearchSessionRepo } from '../../../src/storage/research-session-repo.js';
import { ResearchVectorRepo } from '../../../src/storage/research-vector-repo.js';
import { LocalRAGSystem } from '../../../src/research/rag-system.js';

let root: string;
const dbs: DB[] = [];
const open = () => {
  const db = openDatabase(join(root, '.taskmaster', 'local.db'));
  dbs.push(db);
  return db;
};
const rag = (db: DB, onProgress?: LocalRAGSystem['deps']['onProgress']) =>
  new LocalRAGSystem({
    repo: new ResearchRepo(db),
    sessions: new ResearchSessionRepo(db),
    root,
    embedder: { mode: 'offline', batchSize: 100 },
    ...(onProgress ? { onProgress } : {}),
  });
const chunk = (i: number) => ({ ord: i, startLine: i, endLine: i, heading: '', text: `zebra note ${i} about caches` });
// Vectors and chunks must match one to one: no chunk without a vector, no vector twice.
const coverage = (db: DB) => {
  const set = new ResearchVectorRepo(db).sets()[0]!;
  const missing = db
    .prepare(
      `SELECT count(*) AS n FROM research_chunks c WHERE NOT EXISTS (SELECT 1 FROM ${set.name}_vectors v WHERE v.chunk_id = c.id)`,
    )
    .get() as { n: number };
  const sketches = db.prepare(`SELECT count(*) AS n FROM ${set.name}_sketch`).get() as { n: number };
  return { chunks: new ResearchRepo(db).countChunks(), vectors: set.vectors, missing: missing.n, sketches: sketches.n };
};
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tml-claims-'));
});
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  rmSync(root, { recursive: true, force: true });
});

describe('embedding claims between processes', () => {
  it("leaves a live process's claimed chunks to it, and takes over a dead one's", async () => {
    const db = open();
    await rag(db).addExternalKnowledge('First', 'zebra crossing rules for the cache');
    // another process (alive: this pid) wrote 5 chunks and is embedding them
    const claims = new ResearchClaimRepo(db);
    claims.registerOwner({ owner: 'peer', host: hostname(), pid: process.pid, heartbeat_at: Date.now() });
    new ResearchRepo(db).replaceSource(
      { source: 'peer.md', kind: 'file', hash: 'p', bytes: 1 },
      [0, 1, 2, 3, 4].map(chunk),
      'peer',
    );
    const other = rag(open());
    const s = await other.search('zebra');
    expect(s.notes.join(' ')).toMatch(/5 chunks are being embedded by another process/);
    expect(s.passages.map((p) => p.source)).toContain('peer.md'); // found by its words meanwhile
    expect(coverage(db)).toMatchObject({ chunks: 6, vectors: 1 });

    // the peer dies (kill -9): its pid is gone, the next search takes its chunks over
    db.prepare('UPDATE research_embed_owners SET pid = ? WHERE owner = ?').run(deadPid(), 'peer');
    const again = await other.search('zebra');
    expect(again.notes.join(' ')).toMatch(/took over 5 chunks/);
    expect(coverage(db)).toEqual({ chunks: 6, vectors: 6, missing: 0, sketches: 6 });
    expect(claims.owners()).toEqual([]);
  });

  it('an owner silent for ten minutes (another host) is presumed dead; a live one is not', async () => {
    const db = open();
    const claims = new ResearchClaimRepo(db);
    claims.registerOwner({ owner: 'far', host: 'elsewhere', pid: 1, heartbeat_at: Date.now() - 11 * 60_000 });
    claims.registerOwner({ owner: 'near', host: 'elsewhere', pid: 1, heartbeat_at: Date.now() });
    const repo = new ResearchRepo(db);
    repo.replaceSource({ source: 'a.md', kind: 'file', hash: 'a', bytes: 1 }, [0, 1].map(chunk), 'far');
    repo.replaceSource({ source: 'b.md', kind: 'file', hash: 'b', bytes: 1 }, [0, 1, 2].map(chunk), 'near');
    const r = await rag(db).addExternalKnowledge('Mine', 'zebra');
    expect(r.notes.join(' ')).toMatch(/took over 2 chunks/);
    expect(r.notes.join(' ')).toMatch(/3 chunks are being embedded by another process/);
    expect(r.embedded).toBe(3); // its own note's chunk and the two taken over
    expect(claims.owners().map((o) => o.owner)).toEqual(['near']);
  });

  it('an interrupted add keeps what it wrote, says so, and the next add embeds the rest', async () => {
    for (let f = 0; f < 12; f++)
      writeFileSync(
        join(root, `doc-${f}.md`),
        Array.from({ length: 100 }, (_, s) => `## S${f}-${s}\n\nzebra ${f} ${s}.\n`).join('\n'),
      );
    mkdirSync(join(root, '.taskmaster'), { recursive: true });
    const db = open();
    const ctl = new AbortController();
    const first = rag(db, (e) => {
      if (e.type === 'embed') ctl.abort();
    });
    const err = await first.addSources(['.'], { signal: ctl.signal }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('ABORTED');
    expect((err as Error).message).toMatch(
      /^interrupted: kept 12 new or changed sources \(1200 chunks, 100 vectors stored; 1100 chunks wait for a vector\)$/,
    );
    expect(new ResearchClaimRepo(db).owners()).toEqual([]); // claims released
    const rerun = await rag(db).addSources(['.']);
    expect(rerun).toMatchObject({ unchanged: expect.any(Array), chunks: 0, embedded: 1100 });
    expect(rerun.unchanged).toHaveLength(12);
    expect(coverage(db)).toEqual({ chunks: 1200, vectors: 1200, missing: 0, sketches: 1200 });
  });
});
