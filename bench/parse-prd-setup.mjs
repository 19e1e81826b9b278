// What bench/parse-prd.bench.mjs and bench/parse-prd-trace.mjs share: the fan-out, the fake server in a
// worker thread (fake-prd-server.worker.mjs), the project's environment and the parse-prd call itself,
// so the trace always measures the run the bench measures.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { openProject } = await import(join(root, 'dist/src/application/project.js'));
const { parsePrd } = await import(join(root, 'dist/src/prd/run.js'));
const { PrdRepo } = await import(join(root, 'dist/src/storage/prd-repo.js'));

/** Fan-out: 1 PRD call -> 4 tasks -> 2 subtasks each -> 2 sub-subtasks each (max-depth 3). */
export const TASKS = 4;
export const FAN = 2;
export const DEPTH = 3;
export const CALLS = 1 + TASKS + TASKS * FAN;
export const prd = readFileSync(join(root, '.taskmaster/docs/prd.txt'), 'utf8');

/** Starts the fake server thread; `ask(msg, key)` posts a message and waits for the answer carrying `key`. */
export async function startPrdServer(latency) {
  const worker = new Worker(new URL('./fake-prd-server.worker.mjs', import.meta.url), {
    workerData: {
      serverModule: pathToFileURL(join(root, 'dist/test/support/fake-llm-server.js')).href,
      latency,
      tasks: TASKS,
      fan: FAN,
    },
  });
  const ask = (msg, key) =>
    new Promise((res) => {
      const on = (m) => {
        if (key in m) {
          worker.off('message', on);
          res(m[key]);
        }
      };
      worker.on('message', on);
      if (msg) worker.postMessage(msg);
    });
  return { worker, ask, url: await ask(undefined, 'url') };
}

/** The project in `cwd` against the fake server only (the other local servers' ports closed). */
export function openBenchProject(cwd, url, concurrency) {
  const env = {
    ...process.env,
    OLLAMA_HOST: url,
    LM_STUDIO_HOST: 'http://127.0.0.1:9',
    LOCAL_AI_HOST: 'http://127.0.0.1:9',
  };
  return openProject({ cwd, env, flags: { concurrency } });
}

/** parse-prd of the PRD on an open project, as the CLI's first run would do it. */
export function runParsePrd(project, concurrency) {
  return parsePrd(
    {
      prd,
      prdPath: 'prd.txt',
      tasksPath: project.paths.tasks,
      tag: 'master',
      mode: 'force',
      dryRun: false,
      options: {
        numTasks: 0,
        maxDepth: DEPTH,
        concurrency,
        requireModel: true,
        noCache: false,
        resume: false,
        complexityThreshold: 5,
      },
    },
    { api: project.api(), repo: new PrdRepo(project.db()) },
  );
}
