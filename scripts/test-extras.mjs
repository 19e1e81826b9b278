#!/usr/bin/env node
// Installs what the test suite needs beyond package.json, once, into the git-ignored `.test-deps/`:
//   - task-master-ai@0.43.1 (1.4 GB, so never a dependency) for the interop tests;
//   - node-llama-cpp@3.21.1 (our optional peer) with only this platform's prebuilt binary, for the
//     embedded-model tests. Installed beside the project so node_modules stays what package-lock.json says.
// Both come from the npm registry; nothing is downloaded at test time. A second run is a no-op (a few ms).
// `npm test` runs this first; a failed install is a failure with the command to fix it, never a skip.
// Override the folder with TML_TEST_DEPS (e.g. to share one install between checkouts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const deps = resolve(root, process.env.TML_TEST_DEPS ?? '.test-deps');

const TASK_MASTER = '0.43.1';
const LLAMA = '3.21.1';
// node-llama-cpp's prebuilt binaries, one package per platform (CPU builds: no CUDA/Vulkan download).
const LLAMA_BINARY = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-arm64': 'mac-arm64-metal',
  'darwin-x64': 'mac-x64',
  'win32-x64': 'win-x64',
  'win32-arm64': 'win-arm64',
}[`${process.platform}-${process.arch}`];

const version = (pkgDir) => {
  try {
    return JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
};

const extras = [
  {
    name: 'task-master',
    dir: join(deps, 'task-master'),
    ready: (dir) =>
      version(join(dir, 'node_modules', 'task-master-ai')) === TASK_MASTER &&
      existsSync(join(dir, 'node_modules', '.bin', 'task-master')),
    packages: [`task-master-ai@${TASK_MASTER}`],
    args: [],
  },
  {
    name: 'node-llama-cpp',
    dir: join(deps, 'llama'),
    ready: (dir) =>
      version(join(dir, 'node_modules', 'node-llama-cpp')) === LLAMA &&
      (!LLAMA_BINARY || version(join(dir, 'node_modules', '@node-llama-cpp', LLAMA_BINARY)) === LLAMA),
    packages: [`node-llama-cpp@${LLAMA}`, ...(LLAMA_BINARY ? [`@node-llama-cpp/${LLAMA_BINARY}@${LLAMA}`] : [])],
    // Only this platform's binary (83 MB on linux-x64), not every GPU variant (730 MB).
    args: LLAMA_BINARY ? ['--omit=optional'] : [],
  },
];

/** One installer at a time per folder (parallel `npm test` runs share it); a lock older than 15 min is stale. */
function withLock(fn) {
  mkdirSync(deps, { recursive: true });
  const lock = join(deps, '.install-lock');
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue;
      }
      if (age > 15 * 60_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another install holds ${lock}`);
      else spawnSync(process.execPath, ['-e', 'setTimeout(() => {}, 1000)']);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const missing = extras.filter((x) => !x.ready(x.dir));
if (missing.length > 0) {
  withLock(() => {
    for (const x of missing) {
      if (x.ready(x.dir)) continue; // another process installed it while we waited
      const args = [
        'install',
        '--prefix',
        x.dir,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...x.args,
        ...x.packages,
      ];
      console.error(`test extras: installing ${x.packages.join(' ')} into ${x.dir} (once)`);
      mkdirSync(x.dir, { recursive: true });
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const r = spawnSync(npm, args, { stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
      if (r.status !== 0 || !x.ready(x.dir)) {
        console.error(`error: could not install the test extra ${x.name} (npm exited ${r.status ?? r.signal})`);
        console.error(`hint: check access to the npm registry, then run: npm ${args.join(' ')}`);
        process.exit(1);
      }
    }
  });
}
