#!/usr/bin/env node
// Embedded provider figures (run after `npm run build`):
//  1. fresh process: load the tiny GGUF and answer one structured request (target < 2 s wall), 5 runs;
//  2. generation speed by thread count, for the tiny model and a ~100 MB one (checks pickThreads).
// node-llama-cpp comes from TML_LLAMA_CPP_PATH, else .test-deps/llama (npm test installs it), else node_modules.
// Usage: node bench/embedded.bench.mjs [--runs 5]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist');
if (!existsSync(join(dist, 'src/models/providers/llama-cpp.js'))) {
  console.error('error: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const ci = join(root, process.env.TML_TEST_DEPS ?? '.test-deps', 'llama');
if (!process.env.TML_LLAMA_CPP_PATH && existsSync(join(ci, 'node_modules/node-llama-cpp')))
  process.env.TML_LLAMA_CPP_PATH = ci;

const SCHEMA = {
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 24 },
    priority: { enum: ['low', 'medium', 'high'] },
    done: { type: 'boolean' },
    estimate: { type: 'integer', minimum: 1, maximum: 8 },
  },
  required: ['title', 'priority', 'done', 'estimate'],
};

// Child mode: one fresh process = import + load + one structured answer; prints its own timings.
if (process.argv[2] === '--child') {
  const t0 = performance.now();
  const { LlamaCppProvider } = await import(join(dist, 'src/models/providers/llama-cpp.js'));
  const p = new LlamaCppProvider({ endpoint: process.argv[3] });
  let text = '';
  for await (const c of p.chat({
    model: process.argv[3],
    messages: [{ role: 'user', content: 'Create a task as JSON: buy milk' }],
    jsonSchema: SCHEMA,
    maxTokens: 200,
  })) {
    if (c.type === 'delta') text += c.text;
  }
  const o = JSON.parse(text);
  const valid =
    typeof o.title === 'string' &&
    ['low', 'medium', 'high'].includes(o.priority) &&
    typeof o.done === 'boolean' &&
    Number.isInteger(o.estimate);
  console.log(JSON.stringify({ inProcessMs: performance.now() - t0, valid }));
  process.exit(0);
}

if (process.argv[2] === '--speed') {
  const [, , , file, threads] = process.argv;
  const { LlamaCppProvider } = await import(join(dist, 'src/models/providers/llama-cpp.js'));
  const p = new LlamaCppProvider({ endpoint: file, threads: Number(threads) });
  for await (const _ of p.chat({ model: file, messages: [{ role: 'user', content: 'warm up' }], maxTokens: 8 })) void _;
  const t0 = performance.now();
  let tokens = 0;
  for await (const c of p.chat({
    model: file,
    messages: [{ role: 'user', content: 'Once upon a time' }],
    maxTokens: 200,
    temperature: 0.8,
  })) {
    if (c.type === 'done') tokens = c.usage.completionTokens;
  }
  console.log(JSON.stringify({ tokPerS: tokens / ((performance.now() - t0) / 1000), tokens }));
  process.exit(0);
}

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const { writeTinyGguf } = await import(join(dist, 'test/support/make-tiny-gguf.js'));
const dir = mkdtempSync(join(tmpdir(), 'tml-bench-embedded-'));
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const child = (args) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args], {
    encoding: 'utf8',
    env: process.env,
  });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr.trim().split('\n').pop()}`);
  return { wallMs: performance.now() - t0, ...JSON.parse(r.stdout.trim().split('\n').pop()) };
};
try {
  let t0 = performance.now();
  const tiny = writeTinyGguf(join(dir, 'tiny.gguf'));
  const genMs = performance.now() - t0;
  const fresh = Array.from({ length: RUNS }, () => child(['--child', tiny]));
  console.log(`tiny GGUF generated in ${genMs.toFixed(0)} ms`);
  console.log(
    `fresh process, load + 1 structured answer: median wall ${median(fresh.map((r) => r.wallMs)).toFixed(0)} ms ` +
      `(in-process ${median(fresh.map((r) => r.inProcessMs)).toFixed(0)} ms; runs: ${fresh.map((r) => r.wallMs.toFixed(0)).join(', ')} ms; ` +
      `schema-valid ${fresh.filter((r) => r.valid).length}/${fresh.length}; target < 2000 ms)`,
  );

  t0 = performance.now();
  const mid = writeTinyGguf(join(dir, 'mid.gguf'), { dim: 1024, ff: 2816, layers: 4, heads: 16, f16: true });
  console.log(`\n~100 MB GGUF generated in ${(performance.now() - t0).toFixed(0)} ms`);
  for (const [name, file] of [
    ['tiny (0.5 MB)', tiny],
    ['mid (~100 MB, F16)', mid],
  ]) {
    const row = [1, 2, 4].map(
      (t) => `${t} thread${t > 1 ? 's' : ''}: ${child(['--speed', file, String(t)]).tokPerS.toFixed(0)} tok/s`,
    );
    console.log(`generation ${name}: ${row.join(' · ')}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
