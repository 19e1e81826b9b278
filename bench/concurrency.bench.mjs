#!/usr/bin/env node
// Processes racing on one project (issue 16), through the built CLI: 8 concurrent `research add` of different
// folders, 8 concurrent `parse-prd --tag` runs (fake server in a worker thread), 8 concurrent first opens of a
// fresh project. Prints failures and wall time per round, beside the same work done one process after another.
// Usage: npm run build && node bench/concurrency.bench.mjs [--rounds 4]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'bin', 'task-master-local.js');
const argv = process.argv.slice(2);
const ri = argv.indexOf('--rounds');
const ROUNDS = ri >= 0 ? Number(argv[ri + 1]) : 4;
const N = 8;
const prd = readFileSync(join(root, '.taskmaster/docs/prd.txt'), 'utf8');

function run(args, cwd, env = {}) {
  return new Promise((res) => {
    const t = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        NO_COLOR: '1',
        CI: '1',
        OLLAMA_HOST: 'http://127.0.0.1:9',
        LM_STUDIO_HOST: 'http://127.0.0.1:9',
        LOCAL_AI_HOST: 'http://127.0.0.1:9',
        ...env,
      },
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.resume();
    child.stdin.end();
    child.on('close', (code) =>
      res({
        code,
        ms: performance.now() - t,
        err: err
          .trim()
          .split('\n')
          .find((l) => l.startsWith('error:')),
      }),
    );
  });
}

function project(files = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tml-bench-conc-'));
  mkdirSync(join(dir, '.taskmaster'), { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

/** 8 folders of 12 markdown files each, distinct content per folder. */
function corpus() {
  const files = {};
  for (let f = 0; f < N; f++)
    for (let i = 0; i < 12; i++)
      files[`docs${f}/note-${i}.md`] =
        `# Folder ${f} note ${i}\n\n` +
        Array.from(
          { length: 30 },
          (_, k) => `Topic ${f}-${i}-${k}: sync, storage and search details number ${k}.`,
        ).join('\n');
  return files;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

/** Runs `make(i)` for i < N at once (or one after another), `rounds` times on fresh projects. */
async function scenario(name, rounds, setup, make) {
  const out = { concurrent: { fail: 0, total: 0, wall: [], errors: new Map() }, sequential: { wall: [], fail: 0 } };
  for (let r = 0; r < rounds; r++) {
    const cwd = setup();
    const t = performance.now();
    const results = await Promise.all(Array.from({ length: N }, (_, i) => run(...make(i, cwd))));
    out.concurrent.wall.push(performance.now() - t);
    for (const x of results) {
      out.concurrent.total++;
      if (x.code !== 0) {
        out.concurrent.fail++;
        const key = (x.err ?? `exit ${x.code}`).replace(/\b\d+\b/g, 'N').slice(0, 110);
        out.concurrent.errors.set(key, (out.concurrent.errors.get(key) ?? 0) + 1);
      }
    }
  }
  // baseline: the same N runs one after another, once
  const cwd = setup();
  const t = performance.now();
  for (let i = 0; i < N; i++) if ((await run(...make(i, cwd))).code !== 0) out.sequential.fail++;
  out.sequential.wall.push(performance.now() - t);
  const c = out.concurrent;
  console.log(
    `${name}: ${c.fail}/${c.total} processes failed over ${rounds} rounds; wall per round median ${median(c.wall).toFixed(0)} ms ` +
      `(${c.wall.map((w) => w.toFixed(0)).join(', ')}) vs one after another ${out.sequential.wall[0].toFixed(0)} ms ` +
      `(${out.sequential.fail} failed) → ${(out.sequential.wall[0] / median(c.wall)).toFixed(2)}× `,
  );
  for (const [e, n] of c.errors) console.log(`  ${n}× ${e}`);
  return c.fail;
}

let failures = 0;

// 1. research add: 8 folders into one knowledge base at once (offline embedder: no server).
const files = corpus();
failures += await scenario(
  `research add ×${N}`,
  ROUNDS,
  () => project(files),
  (i, cwd) => [['research', 'add', `docs${i}`], cwd],
);

// 2. parse-prd: 8 tags of one tasks.json at once, against the fake server (worker thread, 50 ms latency).
const worker = new Worker(new URL('./fake-prd-server.worker.mjs', import.meta.url), {
  workerData: {
    serverModule: pathToFileURL(join(root, 'dist/test/support/fake-llm-server.js')).href,
    latency: 50,
    tasks: 3,
    fan: 2,
  },
});
const url = await new Promise((res) => worker.on('message', (m) => m.url && res(m.url)));
failures += await scenario(
  `parse-prd --tag ×${N}`,
  ROUNDS,
  () => project({ '.taskmaster/docs/prd.txt': prd }),
  (i, cwd) => [
    ['parse-prd', '--tag', `t${i}`, '--max-depth', '2', '--expand-threshold', '1'],
    cwd,
    { OLLAMA_HOST: url },
  ],
);
worker.postMessage('close');
await new Promise((res) => worker.on('message', (m) => m.closed && res()));
await worker.terminate();

// 3. first open of a fresh project (migrations) by 8 processes at once.
failures += await scenario(
  `first open ×${N} (recover status)`,
  Math.max(ROUNDS, 10),
  () => project(),
  (_i, cwd) => [['recover', 'status', '--json'], cwd],
);

console.log(`\nconcurrency: ${failures} failed processes in total (target 0)`);
