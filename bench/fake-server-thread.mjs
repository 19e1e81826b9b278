// Starts fake LLM servers in a worker thread (bench/fake-server.worker.mjs) and talks to them:
//   const fake = await startFakeServerThread({ count: 3, options: { compute: { slots: 1, decodeTokensPerSec: 80 } } });
//   fake.urls; await fake.stats(); await fake.kill(1); await fake.close();
// Needs `npm run build` (the servers are loaded from dist/).
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** @param {{count?: number, options?: object, args?: string[], scriptModule?: string, scriptArgs?: unknown}} spec */
export async function startFakeServerThread(spec = {}) {
  const worker = new Worker(new URL('./fake-server.worker.mjs', import.meta.url), {
    workerData: { serverModule: pathToFileURL(join(root, 'dist/test/support/fake-llm-server.js')).href, ...spec },
  });
  const urls = await new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m) => resolve(m.urls));
  });
  let next = 1;
  const pending = new Map();
  worker.on('message', (m) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(new Error(m.error));
    else p.resolve(m.result);
  });
  const call = (op, index) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, index });
    });
  return {
    urls,
    url: urls[0],
    /** Per server: { url, counts, tokens: { requests, promptTokens, cachedTokens, evaluatedTokens, generatedTokens, records }, inFlight } */
    stats: () => call('stats'),
    reset: () => call('reset'),
    clearCache: () => call('clearCache'),
    kill: (index) => call('kill', index),
    close: async () => {
      await call('close');
      await worker.terminate();
    },
  };
}
