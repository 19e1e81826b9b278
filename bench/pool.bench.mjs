#!/usr/bin/env node
// Server pools (issue 15): parse-prd of the medium tree (1 top-level call, then 4 expansions) against three
// fake llama.cpp servers with one slot each (every request holds the slot --latency ms), as one pool, beside
// the same run on one of those servers, in one process. Ideal with three servers: 1 + ceil(4/3) = 3 rounds;
// with one: 5 rounds. Target: pool wall <= 1.2x the three-server ideal.
// The servers take 2 s per request; the default 1 s keeps the ratios (our own overhead is a fixed
// few hundred ms per run, so at 200 ms it dominates).
// Usage: npm run build && node bench/pool.bench.mjs [--latency 1000] [--runs 3]
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeServerThread } from './fake-server-thread.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { openProject } = await import(join(root, 'dist/src/application/project.js'));
const { parsePrdUseCase } = await import(join(root, 'dist/src/application/parse-prd.js'));

const argv = process.argv.slice(2);
const flag = (name, d) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
const LATENCY = flag('--latency', 1000);
const RUNS = flag('--runs', 3);
const TOP = 4;
const SERVERS = 3;
const IDEAL_POOL = (1 + Math.ceil(TOP / SERVERS)) * LATENCY;
const IDEAL_ONE = (1 + TOP) * LATENCY;
const PRD = `# Bookmarks service

## Overview
A small self-hosted service to save and search web bookmarks.

## Features
Accounts, saving bookmarks from a browser extension, full-text search and tags.
`;
const NOWHERE = {
  OLLAMA_HOST: 'http://127.0.0.1:9',
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
};

const fake = await startFakeServerThread({
  count: SERVERS,
  options: { flavor: 'llamacpp', compute: { slots: 1, promptTimeMs: LATENCY } },
  scriptModule: new URL('./pool-script.mjs', import.meta.url).href,
});
const v1 = fake.urls.map((u) => `${u}/v1`);

async function chats() {
  const stats = await fake.stats();
  return stats.map((s) => s.counts['/v1/chat/completions'] ?? 0);
}

/** A project whose config lists `servers` (one pool when several). */
function projectDir(servers) {
  const dir = mkdtempSync(join(tmpdir(), 'tml-bench-pool-'));
  mkdirSync(join(dir, '.taskmaster'), { recursive: true });
  writeFileSync(
    join(dir, '.taskmaster/config.json'),
    JSON.stringify({
      local: { discover: [], servers: { openaiCompatible: [servers.length > 1 ? servers : servers[0]] } },
    }),
  );
  writeFileSync(join(dir, 'prd.md'), PRD);
  return dir;
}

/** One parse-prd as a CLI run makes it: the project opened (discovery included), fresh answers, tasks.json written. */
async function once(dir) {
  const project = openProject({ cwd: dir, env: NOWHERE });
  const before = await chats();
  const t0 = performance.now();
  try {
    const out = await parsePrdUseCase(project, {
      prdPath: join(dir, 'prd.md'),
      maxDepth: 2,
      writeMode: 'force',
      noCache: true,
      concurrency: 8,
    });
    const wall = performance.now() - t0;
    const after = await chats();
    const perServer = after.map((n, i) => n - before[i]);
    const calls = perServer.reduce((a, b) => a + b, 0);
    const subtasks = out.tasks.reduce((n, t) => n + t.subtasks.length, 0);
    return { wall, calls, perServer, tasks: out.tasks.length, subtasks };
  } finally {
    project.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dirs = { pool: projectDir(v1), one: projectDir([v1[0]]) };
// A first run of each (module loading, the database's migrations) is not counted.
await once(dirs.pool);
await once(dirs.one);
const results = { pool: [], one: [] };
for (let r = 0; r < RUNS; r++) {
  results.pool.push(await once(dirs.pool));
  results.one.push(await once(dirs.one));
}
await fake.close();
for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true });

const show = (name, rs, ideal) => {
  const m = median(rs.map((x) => x.wall));
  const last = rs.at(-1);
  console.log(
    `${name}: median ${m.toFixed(0)} ms over ${rs.length} runs (${rs.map((x) => x.wall.toFixed(0)).join(', ')}); ` +
      `ideal ${ideal} ms → ${(m / ideal).toFixed(2)}× ideal; ${last.calls} calls (per server ${last.perServer.join('/')}), ` +
      `${last.tasks} tasks, ${last.subtasks} subtasks`,
  );
  return m;
};
console.log(`three one-slot llama.cpp fakes, ${LATENCY} ms per request; medium tree: 1 + ${TOP} calls`);
const pool = show('pool of 3', results.pool, IDEAL_POOL);
const one = show('one server', results.one, IDEAL_ONE);
console.log(
  `pool vs one server: ${(one / pool).toFixed(2)}× faster; pool ${(pool / IDEAL_POOL).toFixed(2)}× the three-server ideal ` +
    `(target ≤ 1.2×) ${pool / IDEAL_POOL <= 1.2 ? 'PASS' : 'MISS'}`,
);
const bad = [...results.pool, ...results.one].filter((x) => x.calls !== 1 + TOP || x.tasks !== TOP);
if (bad.length) {
  console.log(`unexpected run shape: ${JSON.stringify(bad)}`);
  process.exitCode = 1;
}
