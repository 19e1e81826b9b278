#!/usr/bin/env node
// Research knowledge base at generated sizes with the offline embedder. For each size: ingest
// throughput and embed calls, the re-add of the unchanged corpus (expected 0 calls), hybrid query
// p50/p95 (and the process's first query, which reads the sketches into memory), and the vector
// path (sign-sketch candidates ranked in memory + exact cosine rerank)
// against the baseline, an exact scan of every stored vector: recall@10, p50/p95 of both, and
// bytes per chunk with a breakdown by table.
// Up to 100k chunks the corpus goes through `research add` of generated files; larger sizes write
// the generated chunks and their vectors straight into the DB (same repositories, no files), so
// 1M chunks stays feasible on 2 cores: building it takes many minutes, so sizes above 100k are
// built once into a cache directory outside the repository and reused by later runs (the DB is
// opened, and migrated, like any project's). `--cache <dir>` caches every size there; `--rebuild`
// builds again. A reused DB says so and prints the ingest figures recorded when it was built.
// Usage: npm run build && node bench/research.bench.mjs [--sizes 10000,100000,1000000] [--queries 60]
//        [--cache <dir>] [--rebuild] [--keep]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
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
const { candidateCount, VectorIndex } = await load('research/vector-index.js');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const sizes = String(arg('sizes', '10000,100000')).split(',').map(Number);
const nQueries = Number(arg('queries', '60'));
const cacheArg = arg('cache', undefined);
const rebuild = process.argv.includes('--rebuild');
// Sizes above DIRECT_ABOVE are cached here unless --cache names another directory.
const DEFAULT_CACHE = join(
  process.env.XDG_CACHE_HOME || join(homedir(), '.cache'),
  'task-master-local',
  'bench-research',
);
// Bump when the generated corpus or the way it is written changes: older caches are rebuilt.
const CACHE_VERSION = 1;
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

// The exact ground truth: every stored vector, page by page, scored against every query (dot
// products of unit vectors; a page at a time, so 1M vectors need no 1.5 GB matrix).
function exactTopK(rag, set, queries, k) {
  const best = queries.map(() => []);
  const dim = set.dimension;
  for (let after = 0; ; ) {
    const page = rag.index.repo.vectorPage(set, after, 8192);
    if (!page.length) break;
    for (const r of page) {
      const v = r.vector;
      queries.forEach((q, qi) => {
        let d = 0;
        for (let j = 0; j < dim; j++) d += v[j] * q[j];
        const b = best[qi];
        if (b.length < k || d > b[b.length - 1].d) {
          b.push({ id: r.id, d });
          b.sort((x, y) => y.d - x.d);
          if (b.length > k) b.pop();
        }
      });
    }
    after = page[page.length - 1].id;
  }
  return best.map((b) => b.map((x) => x.id));
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
// Where a size's database lives: a fresh temp dir, or (cached sizes) a directory that is reused
// when its marker says it was built completely by this version of the bench.
function placeFor(size) {
  const cacheRoot = cacheArg ?? (size > DIRECT_ABOVE ? DEFAULT_CACHE : undefined);
  if (!cacheRoot) return { dir: mkdtempSync(join(tmpdir(), `tml-bench-research-${size}-`)), cached: false };
  const dir = join(cacheRoot, `research-${size}`);
  const marker = join(dir, 'built.json');
  if (!rebuild && existsSync(marker)) {
    const built = JSON.parse(readFileSync(marker, 'utf8'));
    if (built.version === CACHE_VERSION && built.size === size) return { dir, cached: true, built, marker };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { dir, cached: true, marker };
}

for (const size of sizes) {
  const place = placeFor(size);
  const { dir } = place;
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
    let built = place.built;
    if (!built) {
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
      db.pragma('wal_checkpoint(TRUNCATE)');
      built = {
        version: CACHE_VERSION,
        size,
        at: new Date().toISOString(),
        load: loadavg()[0],
        ingestMs,
        files: add?.added.length,
        embedCalls: add?.embedCalls,
        addChunks: add?.chunks,
        readd: again && { calls: again.embedCalls, unchanged: again.unchanged.length, ms: readdMs },
      };
      if (place.marker) writeFileSync(place.marker, JSON.stringify(built));
    }
    const set = rag.index.repo.sets()[0];
    let t;

    // Queries: a few mid-frequency words from a real chunk (what a user would remember).
    const qr = rng(7);
    const maxId = repo.maxChunkId();
    const queries = Array.from({ length: nQueries }, () => {
      const c = repo.chunks([1 + Math.floor(qr() * maxId)])[0];
      const words = (c?.text ?? '').split(/\W+/).filter((w) => w.length > 5);
      return words.slice(0, 4).join(' ') || 'kalo mine';
    });
    // The first search of a process also reads every sketch into memory (sketch-scan.ts).
    t = performance.now();
    await rag.search(queries[0], { k: 10 });
    const firstMs = performance.now() - t;
    for (const q of queries.slice(1, 5)) await rag.search(q, { k: 10 }); // warm caches
    // Wall time, and this process's CPU time: on a shared, loaded machine the CPU figure is the
    // one that says what the code costs.
    const hyb = { wall: [], cpu: [] };
    const loadAtQueries = loadavg()[0];
    for (const q of queries) {
      const c0 = process.cpuUsage();
      t = performance.now();
      await rag.search(q, { k: 10 });
      hyb.wall.push(performance.now() - t);
      hyb.cpu.push(cpuMs(process.cpuUsage(c0)));
    }

    // The vector path against the exact scan of every stored vector.
    const qv = queries.map((q) => offlineEmbedOne(q));
    const vec = { wall: [], cpu: [] };
    const got = qv.map((v) => {
      const r = timed(() => rag.index.search(set, v, 10));
      vec.wall.push(r.wall);
      vec.cpu.push(r.cpu);
      return r.out;
    });
    // The same queries with sqlite-vec ranking the sketches (the fallback, and the previous default).
    const vec0Index = new VectorIndex(rag.index.repo, { scan: 'vec0' });
    const v0 = { wall: [], cpu: [] };
    const got0 = qv.map((v) => {
      const r = timed(() => vec0Index.search(set, v, 10));
      v0.wall.push(r.wall);
      v0.cpu.push(r.cpu);
      return r.out;
    });
    const truthFile = join(dir, `truth-${nQueries}.json`);
    // A reused database has the same vectors, so its ground truth is reused too.
    const truth = place.built && existsSync(truthFile) ? JSON.parse(readFileSync(truthFile, 'utf8')) : undefined;
    const exact = truth ?? exactTopK(rag, set, qv, 10);
    if (place.marker && !truth) writeFileSync(truthFile, JSON.stringify(exact));
    let hit = 0;
    got.forEach((hits, i) => {
      hit += hits.filter((h) => exact[i].includes(h.id)).length;
    });
    let hit0 = 0;
    got0.forEach((hits, i) => {
      hit0 += hits.filter((h) => exact[i].includes(h.id)).length;
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
      `chunks=${chunks} ${direct ? '(written directly: generated chunks and vectors)' : `files=${built.files}`}${place.built ? ` (reused the database built ${built.at} in ${dir})` : ''}`,
    );
    console.log(
      `  ingest${place.built ? ' (recorded at build, load ' + built.load.toFixed(1) + ')' : ''}: ${(built.ingestMs / 1000).toFixed(1)} s = ${Math.round(chunks / (built.ingestMs / 1000))} chunks/s (offline embedder, FTS5, vectors and sketches included)`,
    );
    if (!direct) {
      console.log(
        `  embed calls: ${built.embedCalls} (expected ceil(${built.addChunks}/${BATCH}) = ${Math.ceil(built.addChunks / BATCH)}); re-add unchanged: ${built.readd.calls} calls, ${built.readd.unchanged} files unchanged, ${ms(built.readd.ms)}`,
      );
    }
    console.log(
      `  hybrid search k=10 over ${queries.length} queries (load ${loadAtQueries.toFixed(1)}): p50 ${ms(pct(hyb.wall, 50))}, p95 ${ms(pct(hyb.wall, 95))} (CPU p50 ${ms(pct(hyb.cpu, 50))}, p95 ${ms(pct(hyb.cpu, 95))}); the process's first search, which reads the sketches: ${ms(firstMs)}`,
    );
    console.log(
      `  vector path (${candidateCount(set.vectors)} candidates: ${set.sketchBits}-bit sketches ranked in memory, exact rerank): p50 ${ms(pct(vec.wall, 50))}, p95 ${ms(pct(vec.wall, 95))} (CPU p50 ${ms(pct(vec.cpu, 50))}); recall@10 vs exact scan ${(hit / (qv.length * 10)).toFixed(3)}`,
    );
    console.log(
      `  the same with sqlite-vec ranking the sketches (the fallback): p50 ${ms(pct(v0.wall, 50))} (CPU p50 ${ms(pct(v0.cpu, 50))}), recall@10 ${(hit0 / (qv.length * 10)).toFixed(3)}; the in-memory scan is ${(pct(v0.cpu, 50) / pct(vec.cpu, 50)).toFixed(1)}× less CPU`,
    );
    console.log(
      `  baseline exact scan of all ${set.vectors} vectors: p50 ${ms(pct(scan.wall, 50))} (CPU ${ms(pct(scan.cpu, 50))}); two-stage is ${(pct(scan.cpu, 50) / pct(vec.cpu, 50)).toFixed(1)}× less CPU`,
    );
    const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;
    console.log(
      `  database: ${mib(bytes)} = ${Math.round(bytes / chunks)} bytes/chunk (vectors ${mib(parts.vectors)}, sketches ${mib(parts.sketches)}, chunk text ${mib(parts.chunks)}, FTS ${mib(parts.fts)}, other ${mib(parts.other)}); load ${loadavg()[0].toFixed(1)}`,
    );
    db.close();
  } finally {
    if (place.cached) {
      if (!place.built) console.log(`  cached in ${dir} (reused by the next run; --rebuild to build again)`);
    } else if (process.argv.includes('--keep')) console.log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
