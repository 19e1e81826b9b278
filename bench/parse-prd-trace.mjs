#!/usr/bin/env node
// Where bench/parse-prd's concurrency-8 run spends its time beyond the critical-path ideal: the same PRD,
// fan-out and fake server (100 ms latency), warmed up by the concurrency 1 and 4 runs as in the bench, then
// one traced run per --runs: database open, discovery, each level's requests (sent, headers, last answer
// read) from the client's side, the time to finish, and the client thread's CPU time (Linux).
// Usage: npm run build && node bench/parse-prd-trace.mjs [--runs 3]
import diagnostics from 'node:diagnostics_channel';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CALLS, openBenchProject, runParsePrd, startPrdServer } from './parse-prd-setup.mjs';

const argv = process.argv.slice(2);
const ri = argv.indexOf('--runs');
const RUNS = ri >= 0 ? Number(argv[ri + 1]) : 3;
const threadCpu = () => {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
};

// Client-side events of the chat requests: created, headers in, body read. Through node:http (the Ollama
// provider's streamed answers) or fetch (undici's diagnostics channels, for builds that used it).
let events = [];
const chats = new WeakSet();
const on = (name, what) =>
  diagnostics.subscribe(name, ({ request }) => {
    if (what === 'create' && request.path.endsWith('/api/chat')) chats.add(request);
    if (chats.has(request)) events.push({ t: performance.now(), what, req: request });
  });
on('undici:request:create', 'create');
on('undici:request:headers', 'headers');
on('undici:request:trailers', 'end');
diagnostics.subscribe('http.client.request.start', ({ request }) => {
  if (!request.path.endsWith('/api/chat')) return;
  const mark = (what) => events.push({ t: performance.now(), what, req: request });
  mark('create');
  request.once('response', (res) => {
    mark('headers');
    res.once('end', () => mark('end'));
  });
});

const { worker, url } = await startPrdServer(100);

async function run(concurrency) {
  const cwd = mkdtempSync(join(tmpdir(), 'tml-bench-prd-trace-'));
  mkdirSync(join(cwd, '.taskmaster'), { recursive: true });
  const project = openBenchProject(cwd, url, concurrency);
  events = [];
  const cpu0 = threadCpu();
  const t0 = performance.now();
  project.db(); // opens (and creates) the database: timed apart from the run
  const dbOpen = performance.now() - t0;
  await runParsePrd(project, concurrency);
  const total = performance.now() - t0;
  const cpu = threadCpu() - cpu0;
  project.close();
  return { t0, dbOpen, total, cpu, events };
}

await run(1);
await run(4);
const f = (ms) => ms.toFixed(1).padStart(6);
for (let k = 0; k < RUNS; k++) {
  const r = await run(8);
  const at = (e) => e.t - r.t0;
  const chat = new Map();
  for (const e of r.events) {
    if (!chat.has(e.req)) chat.set(e.req, {});
    chat.get(e.req)[e.what] = at(e);
  }
  const calls = [...chat.values()].sort((a, b) => a.create - b.create);
  if (calls.length !== CALLS) throw new Error(`expected ${CALLS} chat calls, saw ${calls.length}`);
  const [l1, l2, l3] = [calls.slice(0, 1), calls.slice(1, 5), calls.slice(5)];
  const max = (xs, k) => Math.max(...xs.map((x) => x[k]));
  const min = (xs, k) => Math.min(...xs.map((x) => x[k]));
  const firstChat = l1[0].create;
  console.log(
    `run ${k + 1}: ${r.total.toFixed(0)} ms (ideal 300, ${(r.total / 300).toFixed(2)}x), client thread CPU ${r.cpu.toFixed(0)} ms, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(`  database open (new project)          ${f(r.dbOpen)} ms`);
  console.log(`  then until the first chat request    ${f(firstChat - r.dbOpen)} ms (discovery)`);
  for (const [name, level, next] of [
    ['level 1 (1 call) ', l1, l2],
    ['level 2 (4 calls)', l2, l3],
  ]) {
    const sent = max(level, 'create');
    console.log(
      `  ${name}: last sent at ${f(sent)}; headers +${f(min(level, 'headers') - sent)} .. +${f(max(level, 'headers') - sent)}; last answer read +${f(max(level, 'end') - sent)}; last child sent +${f(max(next, 'create') - sent)} ms`,
    );
  }
  const sent3 = max(l3, 'create');
  console.log(
    `  level 3 (8 calls): last sent at ${f(sent3)}; headers +${f(min(l3, 'headers') - sent3)} .. +${f(max(l3, 'headers') - sent3)}; last answer read +${f(max(l3, 'end') - sent3)} ms`,
  );
  console.log(`  after the last answer (tasks.json, run rows) ${f(r.total - max(l3, 'end'))} ms`);
}
await worker.terminate();
