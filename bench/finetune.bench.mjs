#!/usr/bin/env node
// finetune export at scale: a project whose history holds 196 parse-prd runs of 50 kept tasks each
// (one PRD part → tasks example and 50 task → subtasks examples per run: 9,996 examples, plus 4 hand
// pairs = 10,000), a planted API key in every tenth task. Times `finetune export` end to end
// (read the history, render the prompts, scrub, dedupe, split, write JSONL + manifest). Target < 2 s.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProject } from '../dist/src/application/project.js';
import { finetuneExportUseCase } from '../dist/src/application/finetune-export.js';
import { PrdRepo } from '../dist/src/storage/prd-repo.js';
import { FinetuneRepo } from '../dist/src/storage/finetune-repo.js';

const RUNS = 196;
const TASKS = 50;
const root = mkdtempSync(join(tmpdir(), 'tml-ft-bench-'));
mkdirSync(join(root, '.taskmaster/tasks'), { recursive: true });
const env = {
  OLLAMA_HOST: 'http://127.0.0.1:9',
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
};
const p = openProject({ cwd: root, env });
const repo = new PrdRepo(p.db());
const file = {};
const words =
  'auth billing ledger invoices search upload sync editor export import report admin audit cache queue email'.split(
    ' ',
  );
const w = (i, n) => Array.from({ length: n }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ');
const t0 = performance.now();
for (let r = 0; r < RUNS; r++) {
  const tag = `run${r}`;
  const prd = `# Product ${r}\n\n## Features\n${Array.from({ length: 30 }, (_, k) => `- ${w(r + k, 12)}`).join('\n')}\n`;
  const s = {
    runId: `r${r}`,
    runKey: `k${r}`,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, r)).toISOString(),
    prdPath: 'prd.txt',
    prdHash: `h${r}`,
    prdBytes: prd.length,
    sections: 2,
    chunks: 1,
    options: { numTasks: 0 },
    tag,
    models: ['m'],
    promptIds: ['parse-prd@v2'],
    llmCalls: 51,
    promptTokens: 0,
    completionTokens: 0,
    cacheHits: 0,
    resumedNodes: 0,
    reasks: 0,
    fallbacks: 0,
    failures: 0,
    depFixes: 0,
    mergedDuplicates: 0,
    tasks: TASKS,
    subtasks: TASKS * 3,
    depth: 2,
    durationMs: 1,
    success: true,
    structural: false,
    dryRun: false,
  };
  repo.startRun(s);
  const nodes = [];
  const tasks = [];
  for (let t = 1; t <= TASKS; t++) {
    const node = {
      path: `c0/t${t}`,
      depth: 1,
      tmId: String(t),
      title: `Task ${r}.${t} ${w(t, 4)}`,
      description: w(t + r, 15),
      details: w(t * 2 + r, 40),
      testStrategy: w(t, 10),
      priority: 'medium',
      complexity: 6,
      deps: [],
      source: 'model',
    };
    nodes.push(node);
    tasks.push({
      id: t,
      title: node.title,
      description: node.description,
      details: t % 10 === 0 ? `${node.details} key sk-live-${r}x${t}abcdefghijkl` : node.details,
      testStrategy: node.testStrategy,
      priority: 'medium',
      status: t % 3 === 0 ? 'done' : 'pending',
      dependencies: t > 1 ? [t - 1] : [],
      subtasks: [1, 2, 3].map((k) => ({
        id: k,
        title: `Sub ${k} of ${r}.${t}`,
        description: w(k + t, 10),
        details: w(k * t + r, 25),
        testStrategy: '',
        status: 'pending',
        dependencies: k > 1 ? [k - 1] : [],
      })),
    });
  }
  repo.finishRun(s, nodes, [{ index: 0, headings: [], text: prd, tokens: Math.ceil(prd.length / 4) }]);
  file[tag] = { tasks, metadata: {} };
}
writeFileSync(p.paths.tasks, JSON.stringify(file));
const pairs = new FinetuneRepo(p.db());
for (let i = 0; i < 4; i++) pairs.addPair(`input ${i}`, `output ${i}`);
console.log(`setup: ${RUNS} runs × ${TASKS} tasks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const RUNS_EXPORT = 5;
const times = [];
const cpu = [];
let r;
for (let i = 0; i < RUNS_EXPORT; i++) {
  const t = performance.now();
  const c = process.cpuUsage();
  r = finetuneExportUseCase(p, { out: join(root, `out${i}`) });
  times.push(performance.now() - t);
  const u = process.cpuUsage(c);
  cpu.push((u.user + u.system) / 1000);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s2 = (ms) => (ms / 1000).toFixed(2);
const med = median(times);
console.log(
  `finetune export: ${r.counts.examples} examples (${r.counts.secretsRedacted} secrets redacted, train ${r.counts.train}+${r.counts.weightedCopies} copies / valid ${r.counts.valid} / test ${r.counts.test}) in ${s2(med)} s wall, ${s2(median(cpu))} s CPU, medians of ${RUNS_EXPORT} (runs: ${times.map(s2).join(', ')} s; CPU ${cpu.map(s2).join(', ')} s; load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores); target < 2 s: ${med < 2000 ? 'met' : 'MISSED'}`,
);
p.close();

// The adapter path: `finetune register` of a tiny LoRA adapter on the tiny embedded model in a fresh
// CLI process, which loads base + adapter and gets one schema-valid answer before saving the alias.
// Target < 3 s (process start to exit). node-llama-cpp comes from TML_LLAMA_CPP_PATH or .test-deps/llama.
{
  const { spawnSync } = await import('node:child_process');
  const { existsSync: has } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const repo = join(fileURLToPath(import.meta.url), '..', '..');
  const deps = join(repo, process.env.TML_TEST_DEPS ?? '.test-deps', 'llama');
  const llama = process.env.TML_LLAMA_CPP_PATH ?? (has(join(deps, 'node_modules/node-llama-cpp')) ? deps : undefined);
  const gguf = join(repo, 'dist/test/support/make-tiny-gguf.js');
  if (!llama || !has(gguf)) console.log('register + first answer: skipped (node-llama-cpp or dist/test missing)');
  else {
    const { makeTinyGguf, makeTinyLoraGguf } = await import(gguf);
    const proj = mkdtempSync(join(tmpdir(), 'tml-ft-reg-'));
    mkdirSync(join(proj, '.taskmaster'), { recursive: true });
    writeFileSync(join(proj, 'tiny.gguf'), makeTinyGguf({ quoteBias: 2 }));
    writeFileSync(join(proj, 'adapter.gguf'), makeTinyLoraGguf());
    // CPU of the CLI process and its children (node-llama-cpp tests its binary in a child process):
    // the waited-for children's times from /proc/self/stat (Linux; elsewhere wall time only).
    const childCpu = () => {
      try {
        const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
        return ((Number(f[13]) + Number(f[14])) / 100) * 1000; // cutime + cstime, in ticks of 10 ms
      } catch {
        return Number.NaN;
      }
    };
    const RUNS_REGISTER = 5;
    const walls = [];
    const cpus = [];
    let last;
    for (let i = 0; i < RUNS_REGISTER; i++) {
      const t = performance.now();
      const c0 = childCpu();
      const r = spawnSync(
        process.execPath,
        [
          join(repo, 'bin/task-master-local.js'),
          'finetune',
          'register',
          'adapter.gguf',
          '--base',
          'tiny.gguf',
          '--as',
          `tuned-${i}`,
          '--json',
        ],
        {
          cwd: proj,
          env: { ...process.env, ...env, HOME: proj, XDG_CACHE_HOME: join(proj, '.cache'), TML_LLAMA_CPP_PATH: llama },
          encoding: 'utf8',
        },
      );
      walls.push(performance.now() - t);
      cpus.push(childCpu() - c0);
      if (r.status !== 0) throw new Error(`register failed: ${r.stderr}`);
      last = JSON.parse(r.stdout);
    }
    const med = median(walls);
    const cpuText = Number.isNaN(cpus[0]) ? '' : `, ${s2(median(cpus))} s CPU (process and children)`;
    console.log(
      `register + first schema-valid answer (fresh process, tiny model + LoRA): ${s2(med)} s wall${cpuText}, medians of ${RUNS_REGISTER} (runs: ${walls.map(s2).join(', ')} s${cpuText ? `; CPU ${cpus.map(s2).join(', ')} s` : ''}; the first run also picks the chat wrapper, later ones reuse the pick; the last answer itself ${last.check.ms} ms, valid ${last.check.valid}; load ${loadavg()[0].toFixed(1)}); target < 3 s: ${med < 3000 ? 'met' : 'MISSED'}`,
    );
  }
}
