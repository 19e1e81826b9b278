import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/storage/db.js';
import { MIGRATIONS } from '../../../src/storage/migrations/index.js';
import { ResearchRepo } from '../../../src/storage/research-repo.js';
import { ResearchVectorRepo } from '../../../src/storage/research-vector-repo.js';
import { offlineEmbedOne } from '../../../src/research/offline-embedder.js';
import { VectorIndex } from '../../../src/research/vector-index.js';

const NAME = 'research_vec_offline_hash_384_325a4d6e_384';
const TEXTS = Array.from(
  { length: 40 },
  (_, i) => `chunk ${i} about ${['cache', 'deploy', 'tests', 'docs'][i % 4]} number ${i}`,
);

// A database as the code before migration 33 left it: a float vec0 table with an IVF partition
// key, a second copy of each vector (except the last, stored before migration 31), the embedded
// marks and IVF centroids.
function legacyDatabase(path: string): Float32Array[] {
  const db = openDatabase(path, { migrations: MIGRATIONS.filter((m) => m.id < 33) });
  db.prepare(
    "INSERT INTO research_sources (source, kind, hash, bytes, chunk_count) VALUES ('a.md', 'file', 'h', 1, ?)",
  ).run(TEXTS.length);
  const vectors = TEXTS.map((t) => offlineEmbedOne(t));
  db.exec(`CREATE VIRTUAL TABLE ${NAME} USING vec0(chunk_id integer primary key, cluster integer partition key,
    source_id integer, embedding float[384] distance_metric=cosine);
    CREATE TRIGGER ${NAME}_ad AFTER DELETE ON research_chunks BEGIN DELETE FROM ${NAME} WHERE chunk_id = old.id; END;`);
  db.prepare(
    "INSERT INTO research_vec_tables (name, model, dimension, quantized, partitioned) VALUES (?, 'offline-hash-384', 384, 0, 1)",
  ).run(NAME);
  TEXTS.forEach((t, i) => {
    const id = i + 1;
    const b = Buffer.from(vectors[i]!.buffer);
    db.prepare(
      'INSERT INTO research_chunks (id, source_id, ord, start_line, end_line, text) VALUES (?, 1, ?, 1, 1, ?)',
    ).run(id, i, t);
    db.prepare(`INSERT INTO ${NAME} (chunk_id, cluster, source_id, embedding) VALUES (?, ?, 1, ?)`).run(
      BigInt(id),
      BigInt(i % 3),
      b,
    );
    db.prepare('INSERT INTO research_embedded (vec_table, chunk_id) VALUES (?, ?)').run(NAME, id);
    if (i < TEXTS.length - 1)
      db.prepare('INSERT INTO research_vector_copies (vec_table, chunk_id, vector) VALUES (?, ?, ?)').run(NAME, id, b);
  });
  db.prepare(
    'INSERT INTO research_ivf (vec_table, clusters, dimension, centroids, built_rows) VALUES (?, 3, 384, ?, 40)',
  ).run(NAME, Buffer.alloc(3 * 384 * 4));
  db.close();
  return vectors;
}

describe('lazy conversion of the old vector layout', () => {
  it('moves every vector (copies, and vec0-only ones) into the compact layout in one go, losing nothing', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tml-legacy-')), 'local.db');
    const original = legacyDatabase(path);
    const db = openDatabase(path); // migration 33 applies: the set is still layout 1
    const vectors = new ResearchVectorRepo(db);
    expect(vectors.sets()).toMatchObject([{ name: NAME, layout: 1 }]);
    const notes: string[] = [];
    const set = new VectorIndex(vectors).ensure('offline-hash-384', 384, notes);
    expect(notes).toEqual([expect.stringMatching(/^converted 40 offline-hash-384 vectors to the compact layout/)]);
    expect(set).toMatchObject({ name: NAME, layout: 3, vectors: 40, sketchBits: 1024 });
    const stored = vectors.vectorsOf(
      set,
      TEXTS.map((_, i) => i + 1),
    );
    expect(stored.size).toBe(40);
    original.forEach((v, i) => expect(Array.from(stored.get(i + 1)!)).toEqual(Array.from(v)));
    // the old layout is gone
    const names = (
      db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'research_vec_%'").all() as { name: string }[]
    ).map((r) => r.name);
    expect(names).not.toContain(NAME);
    expect(names).not.toContain(`${NAME}_ad`);
    for (const t of ['research_vector_copies', 'research_embedded', 'research_ivf'])
      expect(db.prepare(`SELECT count(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
    // searchable, and a second ensure is a no-op
    const index = new VectorIndex(vectors);
    expect(index.search(set, offlineEmbedOne(TEXTS[7]!), 1)[0]!.id).toBe(8);
    expect(index.ensure('offline-hash-384', 384, [])).toMatchObject({ layout: 3, vectors: 40 });
    // deletes still cascade
    new ResearchRepo(db).removeSources('a.md');
    expect(vectors.set(NAME)!.vectors).toBe(0);
    db.close();
  });

  it('moves a probe sample kept in vec0 (layout 2) to a plain table, row for row', () => {
    const db = openDatabase(':memory:');
    const repo = new ResearchRepo(db);
    const vectors = new ResearchVectorRepo(db);
    const texts = Array.from({ length: 300 }, (_, i) => `${TEXTS[i % 40]} variant ${i} ${i * 7}`);
    const built = new VectorIndex(vectors, { probeTarget: 256 });
    let set = built.ensure('offline-hash-384', 384, []);
    const { chunkIds } = repo.replaceSource(
      { source: 'a.md', kind: 'file', hash: 'h', bytes: 1 },
      texts.map((t, i) => ({ ord: i, startLine: i, endLine: i, heading: '', text: t })),
    );
    built.insert(
      set,
      texts.map((t, i) => ({ chunkId: chunkIds[i]!, vector: offlineEmbedOne(t) })),
    );
    set = built.maintain(set);
    const before = db.prepare(`SELECT chunk_id, sketch FROM ${NAME}_probe ORDER BY chunk_id`).all();
    expect(before.length).toBe(set.probeRows);
    expect(before.length).toBeGreaterThanOrEqual(64);
    // the layout the code before this change wrote: the probe sample as a vec0 table
    db.exec(`DROP TABLE ${NAME}_probe;
      CREATE VIRTUAL TABLE ${NAME}_probe USING vec0(chunk_id integer primary key, sketch bit[1024]);
      UPDATE research_vec_tables SET layout = 2 WHERE name = '${NAME}';`);
    const ins = db.prepare(`INSERT INTO ${NAME}_probe (chunk_id, sketch) VALUES (?, vec_bit(?))`);
    for (const r of before as { chunk_id: number; sketch: Buffer }[]) ins.run(BigInt(r.chunk_id), r.sketch);

    const index = new VectorIndex(vectors, { candidates: () => 60 });
    const now = index.ensure('offline-hash-384', 384, []);
    expect(now).toMatchObject({ layout: 3, vectors: 300, probeRows: before.length });
    expect(db.prepare(`SELECT chunk_id, sketch FROM ${NAME}_probe ORDER BY chunk_id`).all()).toEqual(before);
    const kind = db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(`${NAME}_probe`) as { sql: string };
    expect(kind.sql).not.toMatch(/vec0/);
    const q = offlineEmbedOne(texts[123]!);
    expect(index.search(now, q, 5)).toEqual(index.exact(now, q, 5));
    // deletes still reach the probe sample
    repo.removeSources('a.md');
    expect(db.prepare(`SELECT count(*) AS n FROM ${NAME}_probe`).get()).toEqual({ n: 0 });
    db.close();
  });
});
