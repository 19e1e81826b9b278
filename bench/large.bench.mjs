#!/usr/bin/env node
// A large project (issue 15): a generated 1 MB PRD (hundreds of sections) planned at depth 2 against a
// zero-latency fake server, so the wall time and memory are our own overhead: ~60 PRD parts, ~500 tasks, ~2,000
// subtasks, a tasks.json of several MB. Peak RSS of the CLI process (GNU time), wall time, the calls, the bytes
// written; then `list` of that tasks.json through forwarding (task-master's own start-up dominates) beside
// task-master run directly. Targets: overhead < 10 s wall and < 300 MB peak RSS on 2 cores.
// Usage: npm run build && node bench/large.bench.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeServerThread } from './fake-server-thread.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin/task-master-local.js');

function makePrd(bytes) {
  const words = [
    'sync',
    'notes',
    'offline',
    'search',
    'tags',
    'share',
    'export',
    'import',
    'audit',
    'login',
    'report',
    'billing',
  ];
  const out = [
    '# Field operations platform',
    '',
    '## Overview',
    'A platform for field teams: notes, sync, billing, reports.',
    '',
  ];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const w = (k) => words[(i * 7 + k * 5) % words.length];
    const sec = [
      `## Area ${i + 1}: ${w(0)} ${w(1)} ${i}`,
      `The ${w(2)} service lets users ${w(3)} their ${w(4)} records; ${w(5)} stays consistent.`,
    ];
    for (let k = 0; k < 4; k++)
      sec.push(`- requirement ${i}.${k}: ${w(k)} ${w(k + 1)} handles ${w(k + 2)} within ${100 + k * 50} ms`);
    sec.push('');
    const text = sec.join('\n');
    out.push(text);
    size += text.length + 1;
  }
  return out.join('\n').slice(0, bytes);
}

const prd = makePrd(1024 * 1024);
const fake = await startFakeServerThread({
  options: {
    answers: {
      stringWords: { title: 6, description: 25, details: 110, testStrategy: 15, '*': 6 },
      arrayItems: { tasks: 8, subtasks: 4, dependencies: 1, '*': 2 },
    },
  },
});
const cwd = mkdtempSync(join(tmpdir(), 'tml-bench-large-'));
mkdirSync(join(cwd, '.taskmaster/docs'), { recursive: true });
writeFileSync(join(cwd, '.taskmaster/docs/prd.txt'), prd);
const env = {
  ...process.env,
  OLLAMA_HOST: fake.url,
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
  NO_COLOR: '1',
  TASKMASTER_SKIP_AUTO_UPDATE: '1',
};
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (figures are only meaningful on an idle machine)`,
);
console.log(`PRD: ${(prd.length / 1048576).toFixed(2)} MB, zero-latency fake server (our own overhead only)`);

// BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/p' profiles the CLI runs (NODE_OPTIONS refuses --cpu-prof).
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Runs the CLI under GNU time: wall ms, CPU ms (user + system), peak RSS MB, stdout. */
function timed(args, extraEnv = {}) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, ...nodeArgs, cli, ...args], {
    cwd,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = performance.now() - t0;
  const m = /(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr.trim());
  const rss = Number(m?.[1] ?? 0) / 1024;
  const cpu = (Number(m?.[2] ?? 0) + Number(m?.[3] ?? 0)) * 1000;
  if (r.status !== 0) throw new Error(`tml ${args.join(' ')}: exit ${r.status}\n${r.stderr.slice(-1500)}`);
  return { wall, cpu, rss, stdout: r.stdout, stderr: r.stderr };
}

const run = timed([
  'parse-prd',
  '--force',
  '--no-cache',
  '--expand-threshold',
  '1',
  '--max-depth',
  '2',
  '--concurrency',
  '8',
  '--json',
]);
const out = JSON.parse(run.stdout);
const tasksPath = join(cwd, '.taskmaster/tasks/tasks.json');
const [st] = await fake.stats();
console.log(
  `parse-prd: ${out.summary.chunks} PRD parts, ${out.summary.tasks} tasks, ${out.summary.subtasks} subtasks, ${st.tokens.requests} calls;` +
    ` wall ${(run.wall / 1000).toFixed(1)} s (target < 10 s), peak RSS ${run.rss.toFixed(0)} MB (target < 300 MB);` +
    ` tasks.json ${(statSync(tasksPath).size / 1048576).toFixed(2)} MB written once`,
);
const again = timed([
  'parse-prd',
  '--force',
  '--expand-threshold',
  '1',
  '--max-depth',
  '2',
  '--concurrency',
  '8',
  '--json',
]);
console.log(
  `rerun from the cache: ${JSON.parse(again.stdout).summary.llmCalls} LLM calls, wall ${(again.wall / 1000).toFixed(1)} s, peak RSS ${again.rss.toFixed(0)} MB`,
);
await fake.close();

const bin = process.env.TASK_MASTER_BIN ?? join(root, '.test-deps/task-master/node_modules/.bin/task-master');
if (existsSync(bin)) {
  const fwd = timed(['list'], { TASK_MASTER_BIN: bin });
  const t0 = performance.now();
  const direct = spawnSync(bin, ['list'], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const directMs = performance.now() - t0;
  console.log(
    `list through forwarding: ${(fwd.wall / 1000).toFixed(1)} s (task-master directly: ${(directMs / 1000).toFixed(1)} s, exit ${direct.status}); our process before the hand-over: peak RSS ${fwd.rss.toFixed(0)} MB`,
  );
} else console.log('list through forwarding: task-master not installed ($TASK_MASTER_BIN), skipped');
console.log('expand --all and analyze-complexity: measured by bench/expand once those commands land (tasks branch)');
