#!/usr/bin/env node
// Research knowledge base at generated sizes with the offline embedder. For each size: ingest
// throughput and embed calls, the re-add of the unchanged corpus (expected 0 calls), hybrid query
// p50/p95, and the vector path (sign-sketch candidates from sqlite-vec + exact cosine rerank)
// against the baseline, an exact scan of every stored vector: recall@10, p50/p95 of both, and
// bytes per chunk with a breakdown by table.
// Up to 100k chunks the corpus goes through `research add` of generated files; larger sizes write
// the generated chunks and their vectors straight into the DB (same repositories, no files), so
// 1M chunks stays feasible on 2 cores: `--sizes 1000000` takes several minutes.
// Usage: npm run build && node bench/research.bench.mjs [--sizes 10000,100000] [--queries 60] [--keep]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(join(root, 'dist/src', p));
const { openDatabase } = await load('storage/db.js');
const { ResearchRepo } = await load('storage/research-repo.js');
const { ResearchSessionRepo } = await load('storage/research-session-repo.js');
const { LocalRAGSystem } = await load('research/rag-system.js');
const { offlineEmbedOne, OFFLINE_MODEL, OFFLINE_DIMENSION } = await load('research/offline-embedder.js');
const { embedText } = await load('research/text.js');
const { candidateCount } = await load('research/vector-index.js');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const sizes = String(arg('sizes', '10000,100000')).split(',').map(Number);
const nQueries = Number(arg('queries', '60'));
const BATCH = 64;
const PER_FILE = 100;
const DIRECT_ABOVE = 100_000;

// Deterministic PRNG, a Zipf-like vocabulary and 200 topics (each file is about one topic: 70%
// of its words come from the topic's own 400 words), so every run builds the same corpus and the
// corpus has the topical structure real documentation has.
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s + 0x6d2b79f5) >>> 0), (((s ^ (s >>> 15)) * (s | 1)) >>> 0) / 2 ** 32);
}
const syll = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ze', 'po', 'qua', 'der', 'lin', 'mor', 'tes'];
const rand = rng(42);
const vocab = Array.from({ length: 20000 }, (_, i) => {
  let w = '';
  let n = i + 1;
  do {
    w += syll[n % syll.length];
    n = Math.floor(n / syll.length);
  } while (n > 0);
  return w;
});
const zipfIn = (words) => words[Math.min(words.length - 1, Math.floor(Math.exp(rand() * Math.log(words.length))) - 1)];
const topics = Array.from({ length: 200 }, () =>
  Array.from({ length: 400 }, () => vocab[Math.floor(rand() * vocab.length)]),
);
const sentence = (topic, n) =>
  Array.from({ length: n }, () => (rand() < 0.7 ? zipfIn(topic) : zipfIn(vocab))).join(' ') + '.';
// One file's sections: [heading, paragraph].
function sections(f, chunks) {
  const topic = topics[f % topics.length];
  const out = [];
  for (let s = 0; s < PER_FILE && f * PER_FILE + s < chunks; s++) {
    out.push([
      `Section ${f}-${s} ${zipfIn(topic)}`,
      `${sentence(topic, 12)} ${sentence(topic, 14)} ${sentence(topic, 10)} ${sentence(topic, 16)}`,
    ]);
  }
  return out;
}
const fileName = (f) => `corpus/d${Math.floor(f / 100)}/doc-${f}.md`;

function writeFiles(dir, chunks) {
  for (let f = 0; f < Math.ceil(chunks / PER_FILE); f++) {
    const p = join(dir, fileName(f));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(
      p,
      sections(f, chunks)
        .flatMap(([h, t]) => [`## ${h}`, '', t, ''])
        .join('\n'),
    );
  }
}

// Large sizes: the same chunks and vectors, written through the repositories directly.
function ingestDirect(rag, repo, chunks) {
  const index = rag.index;
  let set = index.ensure(OFFLINE_MODEL, OFFLINE_DIMENSION, []);
  for (let f = 0; f < Math.ceil(chunks / PER_FILE); f++) {
    const rows = sections(f, chunks).map(([h, t], s) => ({
      ord: s,
      startLine: s * 4 + 1,
      endLine: s * 4 + 3,
      heading: h,
      text: `## ${h}\n\n${t}`,
    }));
    const { chunkIds } = repo.replaceSource({ source: fileName(f), kind: 'file', hash: `g${f}`, bytes: 1 }, rows);
    index.insert(
      set,
      rows.map((r, i) => ({ chunkId: chunkIds[i], vector: offlineEmbedOne(embedText(r.heading, r.text)) })),
    );
    if (f % 10 === 9) set = index.maintain(set);
  }
  return index.maintain(set);
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x) => `${x.toFixed(1)} ms`;
const cpuMs = (c) => (c.user + c.system) / 1000;
function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fn();
  return { out, wall: performance.now() - t0, cpu: cpuMs(process.cpuUsage(c0)) };
}

// The exact ground truth: every stored vector in one matrix, each query scored against all.
function exactTopK(rag, set, queries, k) {
  const ids = new Int32Array(set.vectors);
  const m = new Float32Array(set.vectors * set.dimension);
  let n = 0;
  for (let after = 0; ; ) {
    const page = rag.index.repo.vectorPage(set, after, 8192);
    if (!page.length) break;
    for (const r of page) {
      ids[n] = r.id;
      m.set(r.vector, n * set.dimension);
      n++;
    }
    after = page[page.length - 1].id;
  }
  return queries.map((q) => {
    const best = [];
    for (let i = 0; i < n; i++) {
      let d = 0;
      const o = i * set.dimension;
      for (let j = 0; j < set.dimension; j++) d += m[o + j] * q[j];
      if (best.length < k || d > best[best.length - 1].d) {
        best.push({ id: ids[i], d });
        best.sort((a, b) => b.d - a.d);
        if (best.length > k) best.pop();
      }
    }
    return best.map((b) => b.id);
  });
}

function sizeBreakdown(db) {
  const groups = { vectors: 0, sketches: 0, chunks: 0, fts: 0, other: 0 };
  for (const r of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all()) {
    const g = /_vectors$/.test(r.name)
      ? 'vectors'
      : /_(sketch|probe)(_|$)/.test(r.name)
        ? 'sketches'
        : /^research_chunks/.test(r.name)
          ? 'chunks'
          : /^research_fts/.test(r.name)
            ? 'fts'
            : 'other';
    groups[g] += r.bytes;
  }
  return groups;
}

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), `tml-bench-research-${size}-`));
  try {
    const dbPath = join(dir, '.taskmaster', 'local.db');
    const db = openDatabase(dbPath);
    const repo = new ResearchRepo(db);
    const rag = new LocalRAGSystem({
      repo,
      sessions: new ResearchSessionRepo(db),
      root: dir,
      embedder: { mode: 'offline', batchSize: BATCH },
    });
    const direct = size > DIRECT_ABOVE;
    let t = performance.now();
    let add;
    let again;
    let readdMs = 0;
    if (direct) {
      ingestDirect(rag, repo, size);
    } else {
      writeFiles(dir, size);
      t = performance.now();
      add = await rag.addSources(['corpus']);
    }
    const ingestMs = performance.now() - t;
    if (!direct) {
      t = performance.now();
      again = await rag.addSources(['corpus']);
      readdMs = performance.now() - t;
    }
    const set = rag.index.repo.sets()[0];

    // Queries: a few mid-frequency words from a real chunk (what a user would remember).
    const qr = rng(7);
    const maxId = repo.maxChunkId();
    const queries = Array.from({ length: nQueries }, () => {
      const c = repo.chunks([1 + Math.floor(qr() * maxId)])[0];
      const words = (c?.text ?? '').split(/\W+/).filter((w) => w.length > 5);
      return words.slice(0, 4).join(' ') || 'kalo mine';
    });
    for (const q of queries.slice(0, 5)) await rag.search(q, { k: 10 }); // warm caches
    // Wall time, and this process's CPU time: on a shared, loaded machine the CPU figure is the
    // one that says what the code costs.
    const hyb = { wall: [], cpu: [] };
    for (const q of queries) {
      const c0 = process.cpuUsage();
      t = performance.now();
      await rag.search(q, { k: 10 });
      hyb.wall.push(performance.now() - t);
      hyb.cpu.push(cpuMs(process.cpuUsage(c0)));
    }

    // The vector path against the exact scan of every stored vector.
    const qv = queries.map((q) => offlineEmbedOne(q));
    const truth = exactTopK(rag, set, qv, 10);
    const vec = { wall: [], cpu: [] };
    let hit = 0;
    qv.forEach((v, i) => {
      const r = timed(() => rag.index.search(set, v, 10));
      vec.wall.push(r.wall);
      vec.cpu.push(r.cpu);
      hit += r.out.filter((h) => truth[i].includes(h.id)).length;
    });
    const scan = { wall: [], cpu: [] };
    for (const v of qv.slice(0, size >= 1_000_000 ? 3 : 10)) {
      const r = timed(() => rag.index.exact(set, v, 10));
      scan.wall.push(r.wall);
      scan.cpu.push(r.cpu);
    }

    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = statSync(dbPath).size;
    const parts = sizeBreakdown(db);
    const chunks = repo.countChunks();
    console.log(
      `chunks=${chunks} ${direct ? '(written directly: generated chunks and vectors)' : `files=${add.added.length}`}`,
    );
    console.log(
      `  ingest: ${(ingestMs / 1000).toFixed(1)} s = ${Math.round(chunks / (ingestMs / 1000))} chunks/s (offline embedder, FTS5, vectors and sketches included)`,
    );
    if (!direct) {
      console.log(
        `  embed calls: ${add.embedCalls} (expected ceil(${add.chunks}/${BATCH}) = ${Math.ceil(add.chunks / BATCH)}); re-add unchanged: ${again.embedCalls} calls, ${again.unchanged.length} files unchanged, ${ms(readdMs)}`,
      );
    }
    console.log(
      `  hybrid search k=10 over ${queries.length} queries: p50 ${ms(pct(hyb.wall, 50))}, p95 ${ms(pct(hyb.wall, 95))} (CPU p50 ${ms(pct(hyb.cpu, 50))}, p95 ${ms(pct(hyb.cpu, 95))})`,
    );
    console.log(
      `  vector path (${candidateCount(set.vectors)} candidates from ${set.sketchBits}-bit sketches, exact rerank): p50 ${ms(pct(vec.wall, 50))}, p95 ${ms(pct(vec.wall, 95))} (CPU p50 ${ms(pct(vec.cpu, 50))}); recall@10 vs exact scan ${(hit / (qv.length * 10)).toFixed(3)}`,
    );
    console.log(
      `  baseline exact scan of all ${set.vectors} vectors: p50 ${ms(pct(scan.wall, 50))} (CPU ${ms(pct(scan.cpu, 50))}); two-stage is ${(pct(scan.cpu, 50) / pct(vec.cpu, 50)).toFixed(1)}× less CPU`,
    );
    const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;
    console.log(
      `  database: ${mib(bytes)} = ${Math.round(bytes / chunks)} bytes/chunk (vectors ${mib(parts.vectors)}, sketches ${mib(parts.sketches)}, chunk text ${mib(parts.chunks)}, FTS ${mib(parts.fts)}, other ${mib(parts.other)})`,
    );
    db.close();
  } finally {
    if (process.argv.includes('--keep')) console.log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
