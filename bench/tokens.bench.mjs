#!/usr/bin/env node
// Token economy on a compute-bound one-slot server (issue 17): the same PRDs planned at depth 2 on the fake
// server's compute model (one slot that keeps its last prompt + answer as KV cache; uncached prompt tokens
// cost 1/prefill s, generated tokens 1/decode s), at 400/80 and 100/20 tokens/s. Prompt tokens, the share the
// server took from its cache, uncached (evaluated) tokens, generated tokens and wall time, for the old prompts
// (prompt version 1, whole answers) and today's (version 2, pipelined), side by side with task-master's
// parse-prd + expand --all on the same server when $TASK_MASTER_BIN is installed.
// Then pipelining (issue 15) on the token-rate fake: 0.3 s per prompt, 30 tokens/s per slot, 4 slots.
// Usage: npm run build && node bench/tokens.bench.mjs [--quick] [--rates <prefill>/<decode>] [--no-pipelining]
//        [--pipelining-only]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeServerThread } from './fake-server-thread.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { openProject } = await import(join(root, 'dist/src/application/project.js'));
const { parsePrd } = await import(join(root, 'dist/src/prd/run.js'));
const { PrdRepo } = await import(join(root, 'dist/src/storage/prd-repo.js'));
const quick = process.argv.includes('--quick');

/** A deterministic PRD of about `bytes` bytes: an overview, then feature sections with requirement bullets. */
function makePrd(bytes) {
  const words = ['sync', 'notes', 'offline', 'search', 'tags', 'share', 'export', 'import', 'audit', 'login'];
  const out = ['# Field notes app', '', '## Overview', 'A notes app for field teams that works offline and syncs.', ''];
  for (let i = 0; out.join('\n').length < bytes; i++) {
    const w = (k) => words[(i * 7 + k * 3) % words.length];
    out.push(
      `## Feature ${i + 1}: ${w(0)} and ${w(1)}`,
      `Users can ${w(2)} their ${w(3)} while ${w(4)} stays consistent.`,
    );
    for (let k = 0; k < 3; k++) out.push(`- ${w(k)} ${w(k + 1)} must handle ${w(k + 2)} within 200 ms`);
    out.push('');
  }
  return out.join('\n').slice(0, bytes);
}

// Answers of real length: task fields as long as a 7B model writes them, 4 tasks per PRD part, 4 subtasks each.
const ANSWERS = {
  stringWords: { title: 6, description: 22, details: 48, testStrategy: 14, '*': 6 },
  arrayItems: { tasks: 4, subtasks: 4, dependencies: 1, '*': 2 },
};
const OPTS = {
  numTasks: 0,
  maxDepth: 2,
  concurrency: 4,
  requireModel: true,
  noCache: true,
  resume: false,
  complexityThreshold: 1,
};

async function ours(fake, prd, extra) {
  await fake.clearCache();
  await fake.reset();
  const cwd = mkdtempSync(join(tmpdir(), 'tml-bench-tokens-'));
  mkdirSync(join(cwd, '.taskmaster'), { recursive: true });
  const env = {
    ...process.env,
    OLLAMA_HOST: fake.url,
    LM_STUDIO_HOST: 'http://127.0.0.1:9',
    LOCAL_AI_HOST: 'http://127.0.0.1:9',
  };
  const project = openProject({ cwd, env, flags: {} });
  const t0 = performance.now();
  const out = await parsePrd(
    {
      prd,
      prdPath: 'prd.md',
      tasksPath: project.paths.tasks,
      tag: 'master',
      mode: 'force',
      dryRun: false,
      options: { ...OPTS, ...extra },
    },
    { api: project.api(), repo: new PrdRepo(project.db()) },
  );
  const wall = performance.now() - t0;
  project.close();
  const [s] = await fake.stats();
  return { wall, calls: s.tokens.requests, tokens: s.tokens, shape: `${out.summary.tasks}×${out.summary.subtasks}` };
}

function taskMaster(fake, prd) {
  const bin = process.env.TASK_MASTER_BIN ?? join(root, '.test-deps/task-master/node_modules/.bin/task-master');
  if (!existsSync(bin)) return undefined;
  const cwd = mkdtempSync(join(tmpdir(), 'tml-bench-tm-'));
  mkdirSync(join(cwd, '.taskmaster/tasks'), { recursive: true });
  mkdirSync(join(cwd, '.taskmaster/docs'), { recursive: true });
  const role = (maxTokens) => ({
    provider: 'ollama',
    modelId: 'llama3.2:latest',
    maxTokens,
    temperature: 0.2,
    baseURL: `${fake.url}/api`,
  });
  writeFileSync(
    join(cwd, '.taskmaster/config.json'),
    JSON.stringify({
      models: { main: role(64000), research: role(8700), fallback: role(64000) },
      global: { defaultSubtasks: 4, defaultPriority: 'medium', responseLanguage: 'English' },
    }),
  );
  writeFileSync(join(cwd, '.taskmaster/docs/prd.md'), prd);
  const env = { PATH: process.env.PATH ?? '', HOME: cwd, TASKMASTER_SKIP_AUTO_UPDATE: '1', CI: '1', NODE_ENV: 'test' };
  const run = (args) => {
    const r = spawnSync(bin, args, { cwd, env, encoding: 'utf8', timeout: 900_000 });
    if (r.status !== 0)
      throw new Error(`task-master ${args.join(' ')}: exit ${r.status}\n${(r.stderr || r.stdout).slice(-800)}`);
  };
  return async () => {
    await fake.clearCache();
    await fake.reset();
    const t0 = performance.now();
    run(['parse-prd', '.taskmaster/docs/prd.md', '--num-tasks', '4', '--force']);
    run(['expand', '--all', '--num', '4', '--force']);
    const wall = performance.now() - t0;
    const tasks = JSON.parse(readFileSync(join(cwd, '.taskmaster/tasks/tasks.json'), 'utf8')).master.tasks;
    const [s] = await fake.stats();
    return {
      wall,
      calls: s.tokens.requests,
      tokens: s.tokens,
      shape: `${tasks.length}×${tasks.reduce((a, t) => a + (t.subtasks?.length ?? 0), 0)}`,
    };
  };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const row = (name, r) => {
  const t = r.tokens;
  const share = t.promptTokens ? t.cachedTokens / t.promptTokens : 0;
  console.log(
    `  ${name.padEnd(34)} ${r.shape.padStart(5)} ${String(r.calls).padStart(5)} ${fmt(t.promptTokens).padStart(8)} ${(100 * share).toFixed(0).padStart(5)}% ${fmt(t.evaluatedTokens).padStart(9)} ${fmt(t.generatedTokens).padStart(9)} ${(r.wall / 1000).toFixed(1).padStart(7)} s`,
  );
  return { ...r, share };
};
const header = () =>
  console.log(
    `  ${'run'.padEnd(34)} ${'tree'.padStart(5)} ${'calls'.padStart(5)} ${'prompt'.padStart(8)} ${'cached'.padStart(6)} ${'uncached'.padStart(9)} ${'generated'.padStart(9)} ${'wall'.padStart(9)}`,
  );

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (figures are only meaningful on an idle machine)`,
);
// --rates 100/20 runs one rate pair (prefill/decode tokens per second) instead of both.
const ratesArg = process.argv.indexOf('--rates');
const rates =
  ratesArg > 0
    ? [process.argv[ratesArg + 1].split('/').map(Number)]
    : quick
      ? [[400, 80]]
      : [
          [400, 80],
          [100, 20],
        ];
const prds = [
  ['2 KB PRD', makePrd(2048)],
  ['20 KB PRD', makePrd(20480)],
];
const pipeliningOnly = process.argv.includes('--pipelining-only');
for (const [prefill, decode] of pipeliningOnly ? [] : rates) {
  const fake = await startFakeServerThread({
    options: { compute: { prefillTokensPerSec: prefill, decodeTokensPerSec: decode, slots: 1 }, answers: ANSWERS },
    scriptModule: new URL('./tokens-tm-script.mjs', import.meta.url).href,
  });
  console.log(`\none slot, prefill ${prefill} tokens/s, decode ${decode} tokens/s; depth 2, every task expanded`);
  for (const [label, prd] of prds) {
    if (quick && label.startsWith('20')) continue;
    console.log(`${label} (${prd.length} bytes)`);
    header();
    const before = row(
      'before: prompts v1, whole answers',
      await ours(fake, prd, { promptVersion: 1, pipelined: false }),
    );
    const after = row('after: prompts v2, pipelined', await ours(fake, prd, {}));
    console.log(
      `  cached share ${(100 * before.share).toFixed(0)}% -> ${(100 * after.share).toFixed(0)}%; uncached prompt tokens ${(after.tokens.evaluatedTokens / before.tokens.evaluatedTokens).toFixed(2)}x; wall ${(after.wall / before.wall).toFixed(2)}x`,
    );
    const tm = label.startsWith('2 ') ? taskMaster(fake, prd) : undefined;
    if (label.startsWith('2 ') && !tm)
      console.log('  task-master: not installed ($TASK_MASTER_BIN), side-by-side skipped');
    if (tm) {
      try {
        const t = row('task-master parse-prd + expand --all', await tm());
        console.log(`  ours / task-master wall: ${(after.wall / t.wall).toFixed(2)}x (target <= 0.75x)`);
      } catch (e) {
        console.log(`  task-master failed: ${e.message}`);
      }
    }
  }
  await fake.close();
}

// Pipelining: the token-rate fake (every prompt costs 0.3 s, 30 tokens/s per slot, 4 slots), depth 2.
if (!process.argv.includes('--no-pipelining')) {
  const fake = await startFakeServerThread({
    options: {
      compute: { promptTimeMs: 300, decodeTokensPerSec: 30, slots: 4 },
      answers: { ...ANSWERS, arrayItems: { ...ANSWERS.arrayItems, tasks: 5 } },
    },
  });
  console.log(
    '\npipelining: token-rate fake (0.3 s per prompt, 30 tokens/s per slot, 4 slots), 2 KB PRD, 5 tasks x 4 subtasks',
  );
  header();
  const prd = makePrd(2048);
  const whole = row('whole answers', await ours(fake, prd, { pipelined: false }));
  const piped = row('pipelined', await ours(fake, prd, {}));
  // Pipelined ideal on this server: each expansion starts when its task is complete in the stream (the parent's
  // tokens arrive evenly) and runs at once on a free slot; the run ends with the slowest such chain.
  const recs = [...(await fake.stats())[0].tokens.records].sort((a, b) => a.id - b.id);
  const parent = recs[0];
  const exps = recs.slice(1);
  const tasks = exps.length;
  const parentMs = parent.end - parent.start;
  const ideal = Math.max(
    ...exps.map((e, i) => 300 + (parentMs - 300) * ((i + 1) / tasks) + (e.end - e.start - e.queuedMs)),
  );
  console.log(
    `  pipelined ${(piped.wall / 1000).toFixed(1)} s vs ideal ${(ideal / 1000).toFixed(1)} s: ${(piped.wall / ideal).toFixed(2)}x (target <= 1.2x); whole answers / pipelined: ${(whole.wall / piped.wall).toFixed(2)}x (target >= 1.4x)`,
  );
  await fake.close();
}
