// Fake LLM servers in a worker thread, for benches: a real server is another process, so its own CPU
// work (building and streaming answers, pacing tokens) must not queue on the client's event loop.
// workerData: { serverModule, count?, options? (FakeServerOptions, JSON), args? (CLI flags, see
// test/support/fake/cli.ts), scriptModule? (a module exporting makeScript(index, scriptArgs) that
// returns a script function), scriptArgs? }. Start it with bench/fake-server-thread.mjs.
import { parentPort, workerData } from 'node:worker_threads';

const { startFakeServers } = await import(workerData.serverModule);
let count = workerData.count ?? 1;
let options = workerData.options ?? {};
if (workerData.args) {
  const { parseFakeArgs } = await import(new URL('./fake/cli.js', workerData.serverModule).href);
  const parsed = parseFakeArgs(workerData.args);
  count = workerData.count ?? parsed.count;
  options = { ...parsed.options, ...options };
}
const cluster = await startFakeServers(count, options);
const makeScript = workerData.scriptModule ? (await import(workerData.scriptModule)).makeScript : undefined;
// The bench's script is part of the server's configuration: installed at start and again after every
// reset (a fake's reset() forgets scripts).
const installScripts = () =>
  makeScript && cluster.servers.forEach((s, i) => s.script(makeScript(i, workerData.scriptArgs)));
installScripts();

parentPort.on('message', async ({ id, op, index }) => {
  try {
    let result;
    if (op === 'stats') {
      result = cluster.servers.map((s) => ({
        url: s.url,
        counts: s.counts(),
        tokens: s.tokens(),
        inFlight: s.inFlight(),
      }));
    } else if (op === 'reset') {
      for (const s of cluster.servers) s.reset();
      installScripts();
    } else if (op === 'clearCache') {
      for (const s of cluster.servers) s.clearCache();
    } else if (op === 'kill') {
      await cluster.kill(index);
    } else if (op === 'close') {
      await cluster.close();
    } else {
      throw new Error(`unknown op ${op}`);
    }
    parentPort.postMessage({ id, result });
  } catch (e) {
    parentPort.postMessage({ id, error: e.message });
  }
});
parentPort.postMessage({ urls: cluster.urls });
