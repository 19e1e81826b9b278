#!/usr/bin/env node
// Evolutionary search vs random search on the 4-parameter example with a known optimum (examples/optimize).
// Prints, per seed, the evaluations each needed to get within 5% and 1% of the optimum with the same budget
// (population x generations) and seed, then runs the real command path (the CLI spawning fit.sh) once.
// Usage: npm run build && node bench/optimize.bench.mjs [--seeds 20]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { EvolutionaryOptimizer } = await import(join(root, 'dist/src/optimize/engine.js'));
const { randomGenome, genomeKey } = await import(join(root, 'dist/src/optimize/genome.js'));
const { mulberry32 } = await import(join(root, 'dist/src/optimize/rng.js'));
const { validateSpec } = await import(join(root, 'dist/src/optimize/spec.js'));
const { fitness, OPTIMUM } = await import(join(root, 'examples/optimize/fitness.mjs'));
const specRaw = JSON.parse((await import('node:fs')).readFileSync(join(root, 'examples/optimize/spec.json'), 'utf8'));
const spec = validateSpec(specRaw);

const argv = process.argv.slice(2);
const seedsArg = argv.indexOf('--seeds');
const SEEDS = seedsArg >= 0 ? Number(argv[seedsArg + 1]) : 20;
const BUDGET = spec.evolution.populationSize * spec.evolution.maxGenerations;
const T5 = OPTIMUM.fitness * 0.95;
const T1 = OPTIMUM.fitness * 0.99;

/** Tracks the evaluation count at which each threshold was first reached. */
function tracker() {
  const t = { n: 0, best: -Infinity, at5: null, at1: null };
  t.see = (f) => {
    t.n++;
    if (f > t.best) t.best = f;
    if (t.at5 === null && f >= T5) t.at5 = t.n;
    if (t.at1 === null && f >= T1) t.at1 = t.n;
  };
  return t;
}

async function evolutionary(seed) {
  const t = tracker();
  const evaluator = async (gs) =>
    gs.map((g) => {
      const f = fitness(g);
      t.see(f);
      return { ok: true, fitness: f };
    });
  const started = performance.now();
  await new EvolutionaryOptimizer(spec.ranges, { ...spec.evolution, seed }, evaluator, { template: spec.genome }).run();
  return { ...t, ms: performance.now() - started };
}

function random(seed, budget = BUDGET) {
  // same budget, same seed, and the same never-evaluate-twice rule
  const rng = mulberry32(seed);
  const t = tracker();
  const seen = new Set();
  for (let i = 0; i < budget * 20 && seen.size < budget; i++) {
    const g = randomGenome(spec.ranges, rng);
    const k = genomeKey(g);
    if (seen.has(k)) continue;
    seen.add(k);
    t.see(fitness(g));
  }
  return t;
}

const fmt = (v) => (v === null ? `>${BUDGET}`.padStart(6) : String(v).padStart(6));
console.log(
  `budget ${BUDGET} evaluations (population ${spec.evolution.populationSize} x ${spec.evolution.maxGenerations} generations), optimum ${OPTIMUM.fitness}`,
);
console.log('seed | GA best  evals→5%  evals→1% | random best  evals→5%  evals→1%');
const rows = [];
for (let seed = 1; seed <= SEEDS; seed++) {
  const ga = await evolutionary(seed);
  const rs = random(seed);
  rows.push({ ga, rs });
  console.log(
    `${String(seed).padStart(4)} | ${ga.best.toFixed(2).padStart(7)} ${fmt(ga.at5)}    ${fmt(ga.at1)}   | ${rs.best.toFixed(2).padStart(11)} ${fmt(rs.at5)}    ${fmt(rs.at1)}`,
  );
}
const median = (xs) => {
  const s = xs.map((x) => x ?? Infinity).sort((a, b) => a - b);
  const m = s[Math.floor(s.length / 2)];
  return m === Infinity ? `>${BUDGET}` : String(m);
};
const rate = (xs) => `${xs.filter((x) => x !== null).length}/${xs.length}`;
console.log(
  `GA:     within 5% in ${rate(rows.map((r) => r.ga.at5))} seeds (median ${median(rows.map((r) => r.ga.at5))} evaluations), within 1% in ${rate(rows.map((r) => r.ga.at1))} (median ${median(rows.map((r) => r.ga.at1))})`,
);
console.log(
  `random: within 5% in ${rate(rows.map((r) => r.rs.at5))} seeds (median ${median(rows.map((r) => r.rs.at5))} evaluations), within 1% in ${rate(rows.map((r) => r.rs.at1))} (median ${median(rows.map((r) => r.rs.at1))})`,
);
// How much budget random search would need: the same seeds with 20x the evaluations.
const long = rows.map((_, i) => random(i + 1, BUDGET * 20));
const med20 = (xs) => {
  const s = xs.map((x) => x ?? Infinity).sort((a, b) => a - b);
  const m = s[Math.floor(s.length / 2)];
  return m === Infinity ? `>${BUDGET * 20}` : String(m);
};
console.log(
  `random with 20x the budget: within 5% in ${rate(long.map((r) => r.at5))} seeds (median ${med20(long.map((r) => r.at5))} evaluations), within 1% in ${rate(long.map((r) => r.at1))} (median ${med20(long.map((r) => r.at1))})`,
);
console.log(`GA engine time per run (in-process fitness): median ${median(rows.map((r) => Math.round(r.ga.ms)))} ms`);

// The command path once: the CLI spawns fit.sh for every new genome.
const dir = mkdtempSync(join(tmpdir(), 'tml-opt-bench-'));
for (const f of ['spec.json', 'fit.sh']) copyFileSync(join(root, 'examples/optimize', f), join(dir, f));
chmodSync(join(dir, 'fit.sh'), 0o755);
const started = performance.now();
const r = spawnSync(
  process.execPath,
  [join(root, 'bin/task-master-local.js'), 'optimize', 'spec.json', '--json', '--db', join(dir, 'bench.db')],
  {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  },
);
const ms = performance.now() - started;
if (r.status !== 0) {
  console.error(`command path failed: ${r.stderr}`);
  process.exit(1);
}
const rep = JSON.parse(r.stdout);
console.log(
  `command path (seed ${spec.evolution.seed}, fit.sh, concurrency ${specRaw.evaluator.concurrency}): best ${rep.best_individual.fitness} at ${JSON.stringify(rep.best_individual.genome)}, ` +
    `${rep.evaluations} evaluations in ${(ms / 1000).toFixed(1)} s (${(rep.evaluations / (ms / 1000)).toFixed(0)} evaluations/s); in-process fitness ${fitness(rep.best_individual.genome).toFixed(6)}`,
);
