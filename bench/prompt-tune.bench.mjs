#!/usr/bin/env node
// optimize --target prompts on a scripted server. A project with five parse-prd runs whose tasks the team
// rewrote; the fake server answers with what the team kept only for one planted variant and worse for the
// rest. Two landscapes:
//   wording: the planted wording (4 of the tuning set's 5, counting the prompt in effect) gets the kept
//            answer whatever else the variant holds (the target: found within 60 evaluations in
//            9 of 10 seeds);
//   variant: only wording 4 + hint 2 + exactly one example gets the kept answer; wording 4 without hint 2
//            loses a task, without one example the details (a graded landscape, 2 best genomes of 150).
// Per seed: the evaluations (distinct genomes) until a best genome was first evaluated, by the GA with the
// target's own settings (the engine and evaluator of optimize --target prompts, every call through
// UnifiedModelAPI) and by random search over the same genomes, both with a budget of 60. Then one whole
// run through the use case, timed (wall and CPU).
// Usage: npm run build && node bench/prompt-tune.bench.mjs [--seeds 10]
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const d = (p) => import(join(root, 'dist', p));
const { EvolutionaryOptimizer } = await d('src/optimize/engine.js');
const { genomeKey, randomGenome } = await d('src/optimize/genome.js');
const { mulberry32 } = await d('src/optimize/rng.js');
const { validateSpec } = await d('src/optimize/spec.js');
const { promptsSpec, promptsEvaluator, tunableExamples } = await d('src/optimize/prompt-target.js');
const { finetuneExportUseCase } = await d('src/application/finetune-export.js');
const { optimizeRunUseCase } = await d('src/application/optimize-run.js');
const { templateInEffect, tuningSet } = await d('src/prompting/index.js');
const { startFakeServer } = await d('test/support/fake-llm-server.js');
const { keptAnswers, promptHistory, wordingPhrase } = await d('test/support/prompt-history.js');

const argv = process.argv.slice(2);
const seedsArg = argv.indexOf('--seeds');
const SEEDS = seedsArg >= 0 ? Number(argv[seedsArg + 1]) : 10;
const BUDGET = 60;
const SPLIT = { train: 40, valid: 60, test: 0 };
const load = () => loadavg()[0].toFixed(1);

const server = await startFakeServer({ answers: { arrayItems: { tasks: 4, subtasks: 3 } } });
const set = tuningSet('parse-prd');
// Each landscape gets its own project: the answer cache (in the project's database) must not carry
// answers of one landscape's server into the other.
let p;
let train;
let valid;
async function freshProject() {
  server.script(undefined);
  p?.close();
  ({ p } = await promptHistory(server.url));
  const ds = finetuneExportUseCase(p, { dryRun: true, split: SPLIT, seed: 42 }).dataset;
  train = tunableExamples(ds.examples.train, 'parse-prd');
  valid = tunableExamples(ds.examples.valid, 'parse-prd');
}
await freshProject();
const kept = keptAnswers(p, SPLIT);
const phrase = wordingPhrase('parse-prd', 4);
const hint = set.hints[1];
const shotMark = set.shot.split('{{input}}')[0];

/** The scripted server of one landscape. */
function script(landscape) {
  return (ctx) => {
    const user = ctx.messages.at(-1).content;
    if (!user.includes(phrase)) return undefined;
    const subject = /# (.+)/.exec(user)?.[1];
    if (!subject || !kept.has(subject)) return undefined;
    const answer = JSON.parse(kept.get(subject));
    if (landscape === 'variant') {
      if (!user.includes(hint)) answer.tasks.pop();
      if (user.split(shotMark).length - 1 !== 1) for (const t of answer.tasks) t.details = 'to be decided later';
    }
    return { content: JSON.stringify(answer) };
  };
}
const isBest = (landscape, g) => g.wording === 4 && (landscape === 'wording' || (g.hint === 2 && g.shots === 1));

const base = templateInEffect('parse-prd', 2).template;
const evaluator = () =>
  promptsEvaluator({ api: p.api(), model: 'local-llama3.2', name: 'parse-prd', base, set, train, valid }).evaluator;

async function ga(landscape, seed) {
  const spec = validateSpec({ ...promptsSpec(set, train.length), seed });
  let n = 0;
  let at = null;
  const engine = new EvolutionaryOptimizer(spec.ranges, spec.evolution, evaluator(), {
    template: spec.genome,
    initial: spec.initial,
    hooks: {
      onEvaluated: (batch) => {
        for (const ind of batch) {
          n++;
          if (at === null && n <= BUDGET && isBest(landscape, ind.genome)) at = n;
        }
      },
    },
  });
  const r = await engine.run();
  return { at, evaluations: r.evaluations };
}

async function random(landscape, seed) {
  const spec = validateSpec(promptsSpec(set, train.length));
  const rng = mulberry32(seed);
  const seen = new Set();
  const ev = evaluator();
  for (let tries = 0; seen.size < BUDGET && tries < BUDGET * 50; tries++) {
    const g = randomGenome(spec.ranges, rng);
    const k = genomeKey(g);
    if (seen.has(k)) continue;
    seen.add(k);
    await ev([g]);
    if (isBest(landscape, g)) return seen.size;
  }
  return null;
}

// One whole run through the use case (stored), on an empty answer cache, then the same run again.
server.script(script('variant'));
for (const pass of ['cold', 'again']) {
  const calls0 = server.counts()['/api/chat'] ?? 0;
  const c = process.cpuUsage();
  const t0 = performance.now();
  const r = await optimizeRunUseCase(p, { target: 'prompts', split: SPLIT, seed: 99 });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c);
  console.log(
    `optimize --target prompts (use case, variant landscape, seed 99, ${pass}): ${r.report.evaluations} evaluations in ${r.report.generations.length} generations, ${(server.counts()['/api/chat'] ?? 0) - calls0} model calls (${valid.length} valid examples per variant, the rest from the answer cache), ${(wall / 1000).toFixed(2)} s wall, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (bench process, fake server included), best ${r.report.best_individual?.fitness.toFixed(3)} vs current ${r.prompt?.current.fitness?.toFixed(3)}; load ${load()}`,
  );
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : '-';
};
for (const landscape of ['wording', 'variant']) {
  await freshProject();
  server.script(script(landscape));
  const gaAt = [];
  const rsAt = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    gaAt.push((await ga(landscape, seed)).at);
    rsAt.push(await random(landscape, seed));
  }
  const found = (xs) => xs.filter((x) => x !== null).length;
  console.log(
    `${landscape}: GA found the planted best within ${BUDGET} evaluations in ${found(gaAt)}/${SEEDS} seeds (median ${median(gaAt)}; per seed ${gaAt.map((x) => x ?? '-').join(' ')}); random search ${found(rsAt)}/${SEEDS} (median ${median(rsAt)}; ${rsAt.map((x) => x ?? '-').join(' ')}); load ${load()} on ${availableParallelism()} cores` +
      (landscape === 'wording' ? `; target 9/10: ${found(gaAt) >= Math.ceil(SEEDS * 0.9) ? 'met' : 'MISSED'}` : ''),
  );
}

p.close();
await server.close();
