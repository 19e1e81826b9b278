#!/usr/bin/env node
// Model API figures against the fake server (needs `npm run build`): what routing, guard, limiter,
// metrics and cache cost per call, and what a cache hit costs. Prints medians; asserts nothing.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProject } from '../dist/src/application/project.js';
import { createProvider } from '../dist/src/models/providers/index.js';
import { startFakeServer } from '../dist/test/support/fake-llm-server.js';

const N = Number(process.env.BENCH_N ?? 60);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(2)} ms`;

const server = await startFakeServer();
const dir = mkdtempSync(join(tmpdir(), 'tml-bench-api-'));
mkdirSync(join(dir, '.taskmaster'));
writeFileSync(join(dir, '.taskmaster', 'config.json'), JSON.stringify({ local: { discover: ['ollama'] } }));
try {
  const project = openProject({ cwd: dir, env: { OLLAMA_HOST: server.url } });
  const api = project.api();
  const msgs = (i) => [{ role: 'user', content: `question number ${i}` }];
  await api.generateText({ type: 'GENERAL', messages: msgs(-1) }); // warm: discovery, imports, model ctx

  const raw = [];
  const provider = createProvider('ollama', { endpoint: server.url });
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    for await (const _ of provider.chat({ model: 'llama3.2:latest', messages: msgs(`raw${i}`), contextLength: 8192 }))
      void _;
    raw.push(performance.now() - t);
  }
  const viaApi = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await api.generateText({ type: 'GENERAL', messages: msgs(i) });
    viaApi.push(performance.now() - t);
  }
  const hits = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await api.generateText({ type: 'GENERAL', messages: msgs(i) });
    hits.push(performance.now() - t);
  }
  console.log(`calls per series: ${N}`);
  console.log(`provider.chat direct (median):        ${ms(median(raw))}`);
  console.log(
    `api.generateText, cache miss (median): ${ms(median(viaApi))}  → model API overhead ≈ ${ms(median(viaApi) - median(raw))}`,
  );
  console.log(`api.generateText, cache hit (median):  ${ms(median(hits))}  (zero requests to the server)`);
  project.close();
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
