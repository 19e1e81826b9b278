#!/usr/bin/env node
// parse-prd wall time against the fake server with a fixed latency and a fixed fan-out, for concurrency 1, 4
// and 8, compared with the ideal (critical-path calls x latency); then the same run again (0 LLM calls expected).
// Fan-out: 1 PRD call -> 4 tasks -> 2 subtasks each -> 2 sub-subtasks each (max-depth 3): 13 calls, critical path 3.
// Usage: npm run build && node bench/parse-prd.bench.mjs [--latency 100]
import { mkdirSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CALLS, DEPTH, FAN, openBenchProject, runParsePrd, startPrdServer, TASKS } from './parse-prd-setup.mjs';

const argv = process.argv.slice(2);
const li = argv.indexOf('--latency');
const LATENCY = li >= 0 ? Number(argv[li + 1]) : 100;
const CRITICAL = DEPTH;

// The fake server runs in a worker thread (see fake-prd-server.worker.mjs).
const { worker, ask, url } = await startPrdServer(LATENCY);
const chatCount = async () => (await ask('counts', 'counts'))['/api/chat'] ?? 0;

async function once(concurrency, cwd) {
  const project = openBenchProject(cwd, url, concurrency);
  const before = await chatCount();
  const t0 = performance.now();
  const out = await runParsePrd(project, concurrency);
  const wall = performance.now() - t0;
  project.close();
  return { wall, calls: (await chatCount()) - before, out };
}

const ideal = CRITICAL * LATENCY;
console.log(
  `fake server latency ${LATENCY} ms; fan-out 1 -> ${TASKS} -> x${FAN} -> x${FAN} (max-depth ${DEPTH}); ${CALLS} calls, critical path ${CRITICAL} calls, ideal ${ideal} ms`,
);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (figures are only meaningful on an idle machine)`,
);
console.log('concurrency  calls  wall ms  ideal ms  ratio');
let last;
let overhead = 0;
for (const c of [1, 4, 8]) {
  const cwd = mkdtempSync(join(tmpdir(), 'tml-bench-prd-'));
  mkdirSync(join(cwd, '.taskmaster'), { recursive: true });
  const r = await once(c, cwd);
  if (r.out.summary.tasks !== TASKS || r.out.summary.depth !== DEPTH)
    throw new Error(`unexpected plan shape: ${JSON.stringify(r.out.summary)}`);
  console.log(
    `${String(c).padStart(11)}  ${String(r.calls).padStart(5)}  ${r.wall.toFixed(0).padStart(7)}  ${String(ideal).padStart(8)}  ${(r.wall / ideal).toFixed(2).padStart(5)}`,
  );
  last = { cwd, r };
  if (c === 1) overhead = r.wall / r.calls - LATENCY;
}
console.log(`overhead per call outside the server's latency (concurrency 1): ${overhead.toFixed(0)} ms`);
const again = await once(8, last.cwd);
console.log(
  `rerun of the same PRD (concurrency 8): ${again.calls} LLM calls, ${again.wall.toFixed(0)} ms, tasks.json identical: ${JSON.stringify(again.out.tasks) === JSON.stringify(last.r.out.tasks)}` +
    ` (${again.out.summary.resumedNodes} nodes from checkpoints, ${again.out.summary.cacheHits} cache hits)`,
);
await ask('close', 'closed');
await worker.terminate();
