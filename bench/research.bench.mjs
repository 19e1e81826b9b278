#!/usr/bin/env node
// Research knowledge base at 10k and 100k generated chunks with the offline embedder: ingest
// throughput, embed calls (expected ceil(new chunks / batch)), re-add of the unchanged corpus
// (expected 0 calls), hybrid query p50/p95, and recall@10 of the vector path against exact kNN.
// Usage: npm run build && node bench/research.bench.mjs [--sizes 10000,100000] [--queries 60] [--keep]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { openDatabase } = await import(join(root, 'dist/src/storage/db.js'));
const { ResearchRepo } = await import(join(root, 'dist/src/storage/research-repo.js'));
const { ResearchSessionRepo } = await import(join(root, 'dist/src/storage/research-session-repo.js'));
const { LocalRAGSystem } = await import(join(root, 'dist/src/research/rag-system.js'));
const { offlineEmbedOne } = await import(join(root, 'dist/src/research/offline-embedder.js'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const sizes = String(arg('sizes', '10000,100000')).split(',').map(Number);
const nQueries = Number(arg('queries', '60'));
const BATCH = 64;
const PER_FILE = 100;

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

function generate(dir, chunks) {
  const files = Math.ceil(chunks / PER_FILE);
  for (let f = 0; f < files; f++) {
    const topic = topics[f % topics.length];
    const parts = [];
    for (let s = 0; s < PER_FILE && f * PER_FILE + s < chunks; s++) {
      parts.push(
        `## Section ${f}-${s} ${zipfIn(topic)}`,
        '',
        `${sentence(topic, 12)} ${sentence(topic, 14)} ${sentence(topic, 10)} ${sentence(topic, 16)}`,
        '',
      );
    }
    const p = join(dir, `d${Math.floor(f / 100)}`, `doc-${f}.md`);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, parts.join('\n'));
  }
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x) => `${x.toFixed(1)} ms`;

console.log(
  `load average at start: ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), `tml-bench-research-${size}-`));
  try {
    generate(join(dir, 'corpus'), size);
    const db = openDatabase(join(dir, '.taskmaster', 'local.db'));
    const rag = new LocalRAGSystem({
      repo: new ResearchRepo(db),
      sessions: new ResearchSessionRepo(db),
      root: dir,
      embedder: { mode: 'offline', batchSize: BATCH },
    });
    let t = performance.now();
    const add = await rag.addSources(['corpus']);
    const ingestMs = performance.now() - t;
    t = performance.now();
    const again = await rag.addSources(['corpus']);
    const readdMs = performance.now() - t;

    // Queries: a few mid-frequency words from a real chunk (what a user would remember), one rare term.
    const qr = rng(7);
    const ids = db.prepare('SELECT id, text FROM research_chunks').all();
    const queries = Array.from({ length: nQueries }, () => {
      const words = ids[Math.floor(qr() * ids.length)].text.split(/\W+/).filter((w) => w.length > 5);
      return words.slice(0, 4).join(' ') || 'kalo mine';
    });
    for (const q of queries.slice(0, 5)) await rag.search(q, { k: 10 }); // warm caches
    // Wall time, and this process's CPU time: on a shared, loaded machine the CPU figure is the
    // one that says what the code costs.
    const times = [];
    const cpu = [];
    for (const q of queries) {
      const c0 = process.cpuUsage();
      t = performance.now();
      await rag.search(q, { k: 10 });
      times.push(performance.now() - t);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }

    // Recall of the vector path (IVF partitions from 20k rows on) against an exact kNN over all rows.
    const repo = new ResearchRepo(db);
    const table = repo.vecTables()[0];
    let hit = 0;
    const vecTimes = [];
    for (const q of queries.slice(0, 30)) {
      const v = offlineEmbedOne(q);
      t = performance.now();
      const got = repo.knn(table, v, 10).map((r) => r.id);
      vecTimes.push(performance.now() - t);
      const exact = db
        .prepare(`SELECT chunk_id AS id FROM ${table.name} WHERE embedding MATCH ? AND k = 10`)
        .all(Buffer.from(v.buffer))
        .map((r) => r.id);
      hit += exact.filter((id) => got.includes(id)).length;
    }
    const dbMiB = statSync(join(dir, '.taskmaster', 'local.db')).size / 1048576;
    console.log(`chunks=${add.chunks} files=${add.added.length}`);
    console.log(
      `  ingest: ${(ingestMs / 1000).toFixed(1)} s = ${Math.round(add.chunks / (ingestMs / 1000))} chunks/s; db ${dbMiB.toFixed(0)} MiB (+WAL)${add.notes.length ? `; ${add.notes.join('; ')}` : ''}`,
    );
    console.log(
      `  embed calls: ${add.embedCalls} (expected ceil(${add.chunks}/${BATCH}) = ${Math.ceil(add.chunks / BATCH)})`,
    );
    console.log(
      `  re-add unchanged: ${again.embedCalls} embed calls, ${again.unchanged.length} files unchanged, ${ms(readdMs)}`,
    );
    console.log(
      `  hybrid search k=10 over ${queries.length} queries: p50 ${ms(pct(times, 50))}, p95 ${ms(pct(times, 95))} (CPU p50 ${ms(pct(cpu, 50))}, p95 ${ms(pct(cpu, 95))})`,
    );
    console.log(
      `  vector path alone: p50 ${ms(pct(vecTimes, 50))}; recall@10 vs exact kNN ${(hit / (30 * 10)).toFixed(2)}`,
    );
    db.close();
  } finally {
    if (process.argv.includes('--keep')) console.log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
