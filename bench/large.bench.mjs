#!/usr/bin/env node
// A large project (issue 15) against a zero-latency fake server, so the figures are our own overhead:
// - parse-prd of a generated 1 MB PRD (hundreds of sections) at depth 2: ~60 PRD parts, ~500 tasks, ~2,000
//   subtasks, a tasks.json of ~3 MB; then the same run from the cache;
// - expand --all and analyze-complexity on the ~500-task tree (parse-prd at depth 1);
// - a 5 MB tasks.json (1,000 tasks with 4 subtasks each): analyze-complexity, expand --id of one task;
// - list through forwarding on both files, beside task-master run directly (its own start-up dominates).
// Each CLI run under GNU time: wall, CPU (user + system, all threads), peak RSS; medians of --runs runs (3).
// tasks.json replacements are counted with fs.watch (a write is one rename onto tasks.json).
// Targets: parse-prd overhead < 10 s wall and < 300 MB peak RSS on 2 cores.
// Usage: npm run build && node bench/large.bench.mjs [--runs <n>]
// BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/p' profiles the CLI runs (NODE_OPTIONS refuses --cpu-prof).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync, watch, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeServerThread } from './fake-server-thread.mjs';
import { largeTasksFile, makePrd } from './large-inputs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin/task-master-local.js');
const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 3;
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;

const prd = makePrd(1024 * 1024);
const fake = await startFakeServerThread({
  options: {
    answers: {
      stringWords: { title: 6, description: 25, details: 110, testStrategy: 15, '*': 6 },
      arrayItems: { tasks: 8, subtasks: 4, dependencies: 1, '*': 2 },
    },
  },
});
const env = {
  ...process.env,
  OLLAMA_HOST: fake.url,
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
  NO_COLOR: '1',
  TASKMASTER_SKIP_AUTO_UPDATE: '1',
};

function project(tasksJson) {
  const cwd = mkdtempSync(join(tmpdir(), 'tml-bench-large-'));
  mkdirSync(join(cwd, '.taskmaster/docs'), { recursive: true });
  mkdirSync(join(cwd, '.taskmaster/tasks'), { recursive: true });
  writeFileSync(join(cwd, '.taskmaster/docs/prd.txt'), prd);
  if (tasksJson) copyFileSync(tasksJson, join(cwd, '.taskmaster/tasks/tasks.json'));
  return cwd;
}

/** One CLI run under GNU time: wall ms, CPU ms, peak RSS MB, stdout, and the times tasks.json was replaced. */
async function timed(cwd, args, extraEnv = {}) {
  const dir = join(cwd, '.taskmaster/tasks');
  let writes = 0;
  // An atomic write is one rename onto tasks.json (the event loop must stay free to see it: no spawnSync).
  const w = watch(dir, (event, file) => {
    if (event === 'rename' && file === 'tasks.json') writes++;
  });
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', process.execPath, ...nodeArgs, cli, ...args], {
    cwd,
    env: { ...env, ...extraEnv },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const status = await new Promise((res) => child.on('close', res));
  const wall = performance.now() - t0;
  await new Promise((res) => setTimeout(res, 50));
  w.close();
  const m = /(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr.trim());
  if (status !== 0 || !m) throw new Error(`tml ${args.join(' ')}: exit ${status}\n${stderr.slice(-1500)}`);
  const cpu = (Number(m[2]) + Number(m[3])) * 1000;
  return { wall, cpu, rss: Number(m[1]) / 1024, stdout, writes };
}

/** `runs` runs of a command, each in a fresh project made by `setup`; medians and the last run's output. */
async function measure(setup, args, runs = RUNS) {
  const rs = [];
  for (let i = 0; i < runs; i++) {
    await fake.reset();
    rs.push({ ...(await timed(setup(), args)), calls: (await fake.stats())[0].tokens.requests, load: loadavg()[0] });
  }
  const last = rs.at(-1);
  return {
    ...last,
    wall: median(rs.map((r) => r.wall)),
    cpu: median(rs.map((r) => r.cpu)),
    rss: median(rs.map((r) => r.rss)),
    json: JSON.parse(last.stdout),
    loads: rs.map((r) => r.load.toFixed(1)).join('/'),
  };
}
const fig = (r) =>
  `wall ${sec(r.wall)}, CPU ${sec(r.cpu)}, peak RSS ${r.rss.toFixed(0)} MB (load ${r.loads}; medians of ${RUNS})`;
const written = (r) => `tasks.json written ${r.writes === 1 ? 'once' : `${r.writes} times`}`;

console.log(`load average ${load()} at the start (2 cores: wall time under load is mostly waiting for a core)`);
console.log(`PRD: ${(prd.length / 1048576).toFixed(2)} MB, zero-latency fake server (our own overhead only)`);
const PARSE = ['parse-prd', '--force', '--expand-threshold', '1', '--concurrency', '8', '--json'];

const deep = await measure(() => project(), [...PARSE, '--no-cache', '--max-depth', '2']);
const s = deep.json.summary;
console.log(
  `parse-prd (depth 2): ${s.chunks} PRD parts, ${s.tasks} tasks, ${s.subtasks} subtasks, ${deep.calls} calls; ${fig(deep)}` +
    ` (targets < 10 s wall, < 300 MB); ${written(deep)}, ${(statSync(join(deep.json.tasksPath)).size / 1048576).toFixed(2)} MB`,
);
const deepFile = deep.json.tasksPath;
const cachedDir = dirname(dirname(dirname(deepFile)));
await fake.reset();
const again = await timed(cachedDir, [...PARSE, '--max-depth', '2']);
console.log(
  `  rerun from the cache: ${JSON.parse(again.stdout).summary.llmCalls} LLM calls, wall ${sec(again.wall)}, CPU ${sec(again.cpu)}, peak RSS ${again.rss.toFixed(0)} MB (load ${load()})`,
);

const flat = await measure(() => project(), [...PARSE, '--no-cache', '--max-depth', '1'], 1);
const flatFile = flat.json.tasksPath;
console.log(`parse-prd (depth 1): ${flat.json.summary.tasks} tasks, ${flat.calls} calls; wall ${sec(flat.wall)}`);
const EXPAND = ['expand', '--all', '-n', '4', '--no-cache', '--concurrency', '8', '--json'];
const exp = await measure(() => project(flatFile), EXPAND);
console.log(`expand --all (${exp.json.summary.tasks} tasks, ${exp.calls} calls): ${fig(exp)}; ${written(exp)}`);
const ANALYZE = ['analyze-complexity', '--no-cache', '--concurrency', '8', '--json'];
const an = await measure(() => project(flatFile), ANALYZE);
console.log(
  `analyze-complexity (${an.json.analysed.length} tasks in ${an.json.batches} batches, ${an.calls} calls): ${fig(an)}`,
);

const big = join(mkdtempSync(join(tmpdir(), 'tml-bench-5mb-')), 'tasks.json');
const bigTasks = largeTasksFile(big, 5 * 1024 * 1024);
console.log(`${(statSync(big).size / 1048576).toFixed(2)} MB tasks.json (${bigTasks} tasks with 4 subtasks each):`);
const bigAn = await measure(() => project(big), ANALYZE);
console.log(`  analyze-complexity (${bigAn.json.analysed.length} tasks, ${bigAn.calls} calls): ${fig(bigAn)}`);
const bigExp = await measure(() => project(big), ['expand', '--id', '1', '--force', '-n', '4', '--no-cache', '--json']);
console.log(`  expand --id 1 --force (${bigExp.calls} call): ${fig(bigExp)}; ${written(bigExp)}`);
await fake.close();

const bin = process.env.TASK_MASTER_BIN ?? join(root, '.test-deps/task-master/node_modules/.bin/task-master');
if (!existsSync(bin)) console.log('list through forwarding: task-master not installed ($TASK_MASTER_BIN), skipped');
else
  for (const [name, file] of [
    ['depth-2 tree', deepFile],
    ['5 MB tasks.json', big],
  ]) {
    const cwd = project(file);
    const fwd = await timed(cwd, ['list'], { TASK_MASTER_BIN: bin });
    const t0 = performance.now();
    const direct = spawnSync(bin, ['list'], { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const directMs = performance.now() - t0;
    console.log(
      `list of the ${name} through forwarding: ${sec(fwd.wall)} (task-master directly: ${sec(directMs)}, exit ${direct.status}; load ${load()})`,
    );
  }
