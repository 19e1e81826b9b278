#!/usr/bin/env node
// Cold start of the CLI (medians after a warm-up), what --help loads, and the size of a user's install.
// Env: BENCH_RUNS (default 15, at least 10), BENCH_SKIP_INSTALL=1 to skip the npm install part.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'task-master-local.js');
const runs = Math.max(10, Number(process.env.BENCH_RUNS ?? 15));
const warmup = 2;
if (!existsSync(join(root, 'dist', 'commands', 'cli.js'))) {
  console.error('error: dist/ is missing; run `npm run build` (or `npm run bench`, which builds first)');
  process.exit(1);
}

const project = mkdtempSync(join(tmpdir(), 'tml-bench-'));
mkdirSync(join(project, '.taskmaster'));
// No server anywhere: port 9 (discard) refuses connections on loopback.
const env = {
  PATH: process.env.PATH,
  HOME: project,
  NO_COLOR: '1',
  CI: '1',
  OLLAMA_HOST: 'http://127.0.0.1:9',
  LM_STUDIO_HOST: 'http://127.0.0.1:9',
  LOCAL_AI_HOST: 'http://127.0.0.1:9',
};

function time(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: project, env, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, status: r.status };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function hasCommand(name) {
  const { COMMANDS } = await import(pathToFileURL(join(root, 'dist', 'commands', 'registry.js')).href);
  return COMMANDS.some((c) => c.name === name);
}

const cases = [
  ['node -e 0', ['-e', '0']],
  ['--version', [cli, '--version']],
  ['--help', [cli, '--help']],
];
if (await hasCommand('health')) cases.push(['health --json (no server)', [cli, 'health', '--json']]);
else console.log('note: health command not registered yet; skipped');
if (await hasCommand('complexity-report')) {
  // A 10-task report to display (issue 11: a fresh process answers in < 150 ms above bare node).
  mkdirSync(join(project, '.taskmaster', 'reports'), { recursive: true });
  const complexityAnalysis = Array.from({ length: 10 }, (_, i) => ({
    taskId: i + 1,
    taskTitle: `Task ${i + 1}`,
    complexityScore: (i % 10) + 1,
    recommendedSubtasks: 3,
    expansionPrompt: 'Split by layer.',
    reasoning: 'Measured.',
  }));
  writeFileSync(
    join(project, '.taskmaster', 'reports', 'task-complexity-report.json'),
    JSON.stringify({ meta: { generatedAt: new Date().toISOString(), thresholdScore: 5 }, complexityAnalysis }),
  );
  cases.push(['complexity-report', [cli, 'complexity-report']]);
}

console.log(`cold start: ${runs} runs after ${warmup} warm-up runs each, median ms`);
let base;
for (const [label, args] of cases) {
  for (let k = 0; k < warmup; k++) time(args);
  const xs = [];
  let status;
  for (let k = 0; k < runs; k++) ({ ms: xs[k], status } = time(args));
  const m = median(xs);
  base ??= m;
  const delta = label === 'node -e 0' ? '' : `  (+${(m - base).toFixed(0)} ms over bare node)`;
  console.log(
    `  ${label.padEnd(28)} ${m.toFixed(1).padStart(7)} ms  min ${Math.min(...xs).toFixed(1)}  exit ${status}${delta}`,
  );
}

// Which packages --help and --version resolve, via an ESM loader hook plus the CJS resolver.
function loadedPackages(args) {
  const dir = mkdtempSync(join(tmpdir(), 'tml-hook-'));
  const log = join(dir, 'imports.log');
  writeFileSync(log, '');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
let out; export function initialize(d) { out = d.out; }
export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(out, r.url + '\\n'); return r; }\n`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
register('./hooks.mjs', import.meta.url, { data: { out: ${JSON.stringify(log)} } });
const orig = Module._resolveFilename;
Module._resolveFilename = function (...a) { const r = orig.apply(this, a); appendFileSync(${JSON.stringify(log)}, r + '\\n'); return r; };\n`,
  );
  spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), ...args], { cwd: project, env });
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  rmSync(dir, { recursive: true, force: true });
  const pkgs = new Set(lines.map((l) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(l)?.[1]).filter(Boolean));
  const own = new Set(lines.filter((l) => l.includes('/dist/')).map((l) => l.replace(/^.*\/dist\//, '')));
  return { pkgs: [...pkgs].sort(), own: own.size };
}
const probes = [
  ['--help'],
  ['--version'],
  ...(cases.some(([l]) => l.startsWith('health')) ? [['health', '--json']] : []),
  ...(cases.some(([l]) => l === 'complexity-report') ? [['complexity-report']] : []),
];
for (const argv of probes) {
  const flag = argv.join(' ');
  const { pkgs, own } = loadedPackages([cli, ...argv]);
  const heavy = pkgs.filter((p) => /^(ink|react|react-reconciler|ollama|node-llama-cpp|openai|@ai-sdk\/.*)$/.test(p));
  console.log(
    `  ${flag} loads ${own} own modules and packages: ${pkgs.join(', ') || '(none)'}${heavy.length ? `  HEAVY: ${heavy.join(', ')}` : '  (no ink/react/ollama/llama.cpp)'}`,
  );
}

if (process.env.BENCH_SKIP_INSTALL === '1') {
  console.log('install size: skipped (BENCH_SKIP_INSTALL=1)');
} else {
  installSize();
}

function sh(cmd, args, cwd) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout || r.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`,
    );
  return r.stdout;
}

function installSize() {
  const dir = mkdtempSync(join(tmpdir(), 'tml-install-'));
  try {
    // Scripts off: packing must not rebuild, and installing must not fetch native binaries from GitHub.
    const packed = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root));
    const tgz = join(dir, packed[0].filename);
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{"name":"probe","version":"1.0.0","private":true}');
    const t0 = Date.now();
    sh('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', tgz], app);
    const secs = (Date.now() - t0) / 1000;
    const kb = Number(sh('du', ['-sk', 'node_modules'], app).split(/\s/)[0]);
    const count = sh('npm', ['ls', '--all', '--parseable', '--omit=dev'], app).split('\n').filter(Boolean).length - 1; // minus the probe root; ours included
    const native = join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const nativeMb = existsSync(native) ? statSync(native).size / 1048576 : 0;
    console.log(
      `install size: npm install --omit=dev of the packed tarball (${(packed[0].size / 1024).toFixed(0)} kB packed): ` +
        `node_modules ${(kb / 1024).toFixed(1)} MB, ${count} packages (ours included), ${secs.toFixed(1)} s` +
        ` (+${nativeMb.toFixed(1)} MB for the better-sqlite3 native binary a real install fetches or builds)`,
    );
  } catch (e) {
    console.log(`install size: not measured — ${e.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
rmSync(project, { recursive: true, force: true });
