#!/usr/bin/env node
// Learning costs at growing numbers of experiences (offline vectors, in a temp SQLite file):
// recording one experience, a recommendation (kNN + aggregation), a full analysis (no model), and one
// learned-routing decision over a ledger of 20 calls per experience. Medians of repeated runs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../dist/src/storage/db.js';
import { LearningRepo } from '../dist/src/storage/learning-repo.js';
import { MetaLearningEngine } from '../dist/src/learning/engine.js';
import { analyse } from '../dist/src/learning/proposals.js';
import { learnedRanker } from '../dist/src/learning/routing.js';
import { seededRng } from '../dist/src/learning/beta.js';
import { LocalSectionSchema } from '../dist/src/config/schema.js';

const WORDS =
  'auth billing ledger invoices search upload sync editor export import report admin audit cache queue email'.split(
    ' ',
  );
const rng = seededRng(1);
const pick = (n) => Array.from({ length: n }, () => WORDS[Math.floor(rng() * WORDS.length)]);
const config = {
  projectRoot: '/x',
  configPath: '/x/c.json',
  dbPath: '',
  roles: { main: { provider: 'ollama', modelId: 'm0' } },
  local: LocalSectionSchema.parse({}),
  raw: {},
  fileExists: false,
  sources: {},
  warnings: [],
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn, reps) {
  const xs = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}
function exp(i) {
  const model = `m${i % 3}`;
  const bad = i % 3 === 0 ? 4 : 0;
  const bytes = 500 + Math.floor(rng() * 50_000);
  return {
    taskType: 'parse_prd',
    source: 'parse-prd',
    ts: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    context: {
      prdBytes: bytes,
      sections: 1 + Math.floor(bytes / 2000),
      words: Math.floor(bytes / 6),
      domainWords: pick(8),
      estimatedComplexity: 1 + (i % 9),
    },
    action: {
      model,
      strategy: `depth${1 + (i % 3)}-threshold5`,
      depth: 1 + (i % 3),
      settings: { concurrency: [2, 4, 8][i % 3] },
    },
    outcome: {
      success: rng() < 0.8,
      schemaValidRate: bad ? 0.6 : 1,
      reasks: bad,
      latencyMs: 1000 + rng() * 5000,
      tokens: 5000,
    },
    modelStats: [
      { model, provider: 'ollama', calls: 6 + bad, ok: 6, invalid: bad, errors: 0, tokens: 5000, durationMs: 3000 },
    ],
  };
}

console.log('experiences | record 1 (ms) | recommend k=25 (ms) | analyse (ms) | routing decision (ms)');
for (const n of [100, 1000, 10_000]) {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'tml-bench-learn-')), 'local.db'));
  const repo = new LearningRepo(db);
  const engine = new MetaLearningEngine({ repo, config });
  for (let i = 0; i < n; i++) await engine.record(exp(i));
  const ins = db.prepare(
    `INSERT INTO metrics (component, operation, provider, model, task_type, duration_ms, ok, error_code, cached) VALUES ('prd', 'object', 'ollama', ?, 'PLANNING', 1, ?, ?, 0)`,
  );
  db.transaction(() => {
    for (let i = 0; i < n * 20; i++) ins.run(`m${i % 3}`, i % 7 ? 1 : 0, i % 7 ? null : 'MODEL_OUTPUT_INVALID');
  })();
  let k = n;
  const rec = await time(() => engine.record(exp(k++)), 20);
  const reco = await time(() => engine.getRecommendations('parse_prd', exp(7).context, { k: 25 }), 20);
  const an = await time(() => analyse(config, repo, repo.list()), 5);
  const refs = ['m0', 'm1', 'm2'].map((m) => ({
    alias: m,
    provider: 'ollama',
    model: m,
    capabilities: [],
    local: true,
  }));
  const rank = learnedRanker(() => repo, { rng: seededRng(2), ttlMs: 0 });
  const route = await time(() => rank({ type: 'PLANNING' }, refs), 20);
  console.log(
    `${String(n).padStart(11)} | ${rec.toFixed(2).padStart(13)} | ${reco.toFixed(2).padStart(19)} | ${an.toFixed(1).padStart(12)} | ${route.toFixed(2).padStart(21)}`,
  );
  db.close();
}
