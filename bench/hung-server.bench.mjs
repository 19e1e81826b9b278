#!/usr/bin/env node
// A server that accepts requests and never answers (issue 16): wall time of `parse-prd` (main and
// fallback on that server) and of `health`, with a 5 s first-token deadline and with the defaults.
// Targets: parse-prd ≤ 10 s with firstTokenMs 5000 and ≤ 180 s with the defaults (the first-token
// deadline plus one fallback attempt); health ≤ 10 s either way. The default-deadline run takes
// minutes: it runs with --full (or BENCH_FULL=1).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeServer } from '../dist/test/support/fake-llm-server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'task-master-local.js');
const full = process.argv.includes('--full') || process.env.BENCH_FULL === '1';

const server = await startFakeServer({
  models: [
    { name: 'llama3.2:latest', contextLength: 8192 },
    { name: 'qwen2.5:7b', contextLength: 8192 },
    { name: 'nomic-embed-text:latest', embedding: true },
  ],
});

function project(timeouts) {
  const dir = mkdtempSync(join(tmpdir(), 'tml-bench-hung-'));
  mkdirSync(join(dir, '.taskmaster', 'docs'), { recursive: true });
  writeFileSync(
    join(dir, '.taskmaster', 'docs', 'prd.txt'),
    '# App\n\n## Accounts\nSign up.\n\n## Notes\nWrite notes.\n',
  );
  writeFileSync(
    join(dir, '.taskmaster', 'config.json'),
    JSON.stringify({
      models: {
        main: { provider: 'ollama', modelId: 'llama3.2' },
        fallback: { provider: 'ollama', modelId: 'qwen2.5:7b' },
      },
      local: { discover: ['ollama'], ...(timeouts ? { timeouts } : {}) },
    }),
  );
  return dir;
}

function timed(args, cwd) {
  const t0 = performance.now();
  // Asynchronous: the fake server lives in this process and must keep serving while the CLI runs.
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, ...args], {
      cwd,
      env: { ...process.env, OLLAMA_HOST: server.url, NO_COLOR: '1' },
    });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.stdout.resume();
    p.on('close', (code) => resolve({ ms: performance.now() - t0, code, err: err.split('\n')[0] }));
  });
}

const rows = [];
async function scenario(label, timeouts, targetS) {
  const dir = project(timeouts);
  try {
    server.reset();
    server.fault({ kind: 'hang', times: 1000, path: /^\/api\/(chat|generate|embed)$/ });
    const prd = await timed(['parse-prd', '--num-tasks', '2'], dir);
    server.reset();
    server.fault({ kind: 'hang', times: 1000, path: /^\/api\/(chat|generate|embed)$/ });
    const health = await timed(['health'], dir);
    rows.push({ label, prd, health, targetS });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  await scenario('firstTokenMs 5000', { firstTokenMs: 5000 }, 10);
  if (full) await scenario('defaults (120 s)', undefined, 180);
  console.log('scenario              parse-prd (exit)   target   health (exit)   target');
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(21)} ${(r.prd.ms / 1000).toFixed(1).padStart(7)} s (${r.prd.code})   ≤ ${String(r.targetS).padStart(3)} s ${(r.health.ms / 1000).toFixed(1).padStart(7)} s (${r.health.code})   ≤ 10 s`,
    );
  }
  console.log(`parse-prd said: ${rows[0].prd.err}`);
  if (!full) console.log('(the default-deadline scenario takes minutes: run with --full)');
} finally {
  await server.close();
}
