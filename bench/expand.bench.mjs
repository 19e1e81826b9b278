#!/usr/bin/env node
// expand --all (issue 11): 10 pending tasks, one request per task (max depth 1, 4 subtasks each), on the fake
// server in a worker thread at a fixed latency per request (the compute model's fixed prompt time, instant
// tokens). Ours in-process at concurrency 1 and 8 on a server with 8 slots, with the ideal
// (ceil(calls / min(concurrency, slots)) x latency) and the ratio; then the CLI side by side with task-master's
// `expand --all` on a server that runs 4 requests at once (task-master makes one call per task, in sequence).
// Usage: npm run build && node bench/expand.bench.mjs [--latency <ms>] [--runs <n>]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeServerThread } from './fake-server-thread.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist/src/application/expand.js'))) {
  console.error('error: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const { openProject } = await import(join(root, 'dist/src/application/project.js'));
const { expandUseCase } = await import(join(root, 'dist/src/application/expand.js'));
const { task } = await import(join(root, 'dist/test/support/tasks-fixture.js'));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const LATENCY = arg('--latency', 1000);
const RUNS = arg('--runs', 3);
const TASKS = 10;
const SUBTASKS = 4;
const ANSWERS = {
  stringWords: { title: 6, description: 22, details: 48, testStrategy: 14, '*': 6 },
  arrayItems: { subtasks: SUBTASKS, dependencies: 1, '*': 2 },
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** A project with TASKS pending tasks without subtasks (and task-master's config on the fake for its side). */
function makeProject(url) {
  const cwd = mkdtempSync(join(tmpdir(), 'tml-bench-expand-'));
  mkdirSync(join(cwd, '.taskmaster/tasks'), { recursive: true });
  const tasks = Array.from({ length: TASKS }, (_, i) =>
    task(i + 1, `Feature ${i + 1} of the notes app`, `Build feature ${i + 1}: storage, API and UI.`),
  );
  writeFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), JSON.stringify({ master: { tasks } }, null, 2));
  const role = (maxTokens) => ({
    provider: 'ollama',
    modelId: 'llama3.2:latest',
    maxTokens,
    temperature: 0.2,
    baseURL: `${url}/api`,
  });
  writeFileSync(
    join(cwd, '.taskmaster/config.json'),
    JSON.stringify({
      models: { main: role(64000), research: role(8700), fallback: role(64000) },
      global: { defaultSubtasks: SUBTASKS, defaultPriority: 'medium', responseLanguage: 'English' },
    }),
  );
  return cwd;
}

const envFor = (url, cwd) => ({
  PATH: process.env.PATH ?? '',
  HOME: cwd,
  OLLAMA_HOST: url,
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
  CI: '1',
});

/** Ours in-process (the use case the CLI calls), fresh answers, `RUNS` runs; median wall and the calls made. */
async function inProcess(fake, concurrency) {
  const walls = [];
  let calls = 0;
  for (let r = 0; r < RUNS; r++) {
    await fake.reset();
    const cwd = makeProject(fake.url);
    const project = openProject({ cwd, env: envFor(fake.url, cwd), flags: { concurrency } });
    const t0 = performance.now();
    const out = await expandUseCase(project, { all: true, num: SUBTASKS, noCache: true, concurrency });
    walls.push(performance.now() - t0);
    project.close();
    calls = (await fake.stats())[0].tokens.requests;
    if (out.summary.tasks !== TASKS) throw new Error(`expanded ${out.summary.tasks} of ${TASKS} tasks`);
  }
  return { wall: median(walls), calls };
}

/** A CLI run (ours or task-master's) in a fresh project; wall time including the process start. */
async function cli(fake, cmd, args, extraEnv = {}) {
  await fake.reset();
  const cwd = makeProject(fake.url);
  const t0 = performance.now();
  const r = spawnSync(cmd[0], [...cmd.slice(1), ...args], {
    cwd,
    env: { ...envFor(fake.url, cwd), ...extraEnv },
    encoding: 'utf8',
    timeout: 900_000,
  });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}\n${(r.stderr || r.stdout).slice(-600)}`);
  const tasks = JSON.parse(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')).master.tasks;
  const expanded = tasks.filter((t) => (t.subtasks ?? []).length > 0).length;
  return { wall, calls: (await fake.stats())[0].tokens.requests, expanded };
}

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (figures are only meaningful on an idle machine)`,
);
console.log(`expand --all: ${TASKS} tasks x ${SUBTASKS} subtasks, ${LATENCY} ms per request, median of ${RUNS} runs`);

const wide = await startFakeServerThread({
  options: { compute: { promptTimeMs: LATENCY, slots: 8 }, answers: ANSWERS },
});
console.log('server with 8 slots, ours in-process:');
for (const c of [1, 8]) {
  const r = await inProcess(wide, c);
  const ideal = Math.ceil(r.calls / Math.min(c, 8)) * LATENCY;
  console.log(
    `  concurrency ${String(c).padEnd(2)} ${s(r.wall).padStart(8)}  ${r.calls} calls  ideal ${s(ideal)}  ratio ${(r.wall / ideal).toFixed(2)}x${c === 8 ? ' (target <= 1.2x)' : ''}`,
  );
}
await wide.close();

const four = await startFakeServerThread({
  options: { compute: { promptTimeMs: LATENCY, slots: 4 }, answers: ANSWERS },
  scriptModule: new URL('./tokens-tm-script.mjs', import.meta.url).href,
});
console.log('server with 4 slots, both CLIs (process start included):');
const ours = await cli(
  four,
  [process.execPath, join(root, 'bin/task-master-local.js')],
  ['expand', '--all', '-n', String(SUBTASKS), '--no-cache', '--concurrency', '8'],
);
const oursIdeal = Math.ceil(ours.calls / 4) * LATENCY;
console.log(
  `  task-master-local expand --all  ${s(ours.wall).padStart(8)}  ${ours.calls} calls  ${ours.expanded} tasks expanded  (model time ideal ${s(oursIdeal)})`,
);
const bin = process.env.TASK_MASTER_BIN ?? join(root, '.test-deps/task-master/node_modules/.bin/task-master');
if (!existsSync(bin)) console.log('  task-master: not installed ($TASK_MASTER_BIN), side-by-side skipped');
else {
  try {
    const tm = await cli(four, [bin], ['expand', '--all', '--num', String(SUBTASKS)], {
      TASKMASTER_SKIP_AUTO_UPDATE: '1',
      NODE_ENV: 'test',
    });
    console.log(
      `  task-master expand --all        ${s(tm.wall).padStart(8)}  ${tm.calls} calls  ${tm.expanded} tasks expanded`,
    );
    console.log(`  task-master / ours: ${(tm.wall / ours.wall).toFixed(2)}x faster (target >= 3x)`);
  } catch (e) {
    console.log(`  task-master failed: ${e.message}`);
  }
}
await four.close();
