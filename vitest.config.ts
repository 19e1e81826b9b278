import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Test extras installed once by `npm test` (scripts/test-extras.mjs); explicit env values win.
const deps = resolve(process.env.TML_TEST_DEPS ?? '.test-deps');
// Per-user caches (the embedded chat-format picks) go to a directory of this run, never to the real ~/.cache.
const cache = mkdtempSync(join(tmpdir(), 'tml-test-cache-'));
process.on('exit', () => rmSync(cache, { recursive: true, force: true }));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // e2e tests spawn the built CLI; forks keep native modules (better-sqlite3) isolated per file.
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core machine, where the e2e
    // files mostly wait on spawned CLIs and fake servers. One worker per core, at least two.
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: {
      TASK_MASTER_BIN: process.env.TASK_MASTER_BIN ?? join(deps, 'task-master', 'node_modules', '.bin', 'task-master'),
      TML_LLAMA_CPP_PATH: process.env.TML_LLAMA_CPP_PATH ?? join(deps, 'llama'),
      XDG_CACHE_HOME: cache,
    },
  },
});
