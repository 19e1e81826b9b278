// The parse-prd bench's fake server, in a worker thread: a real LLM server is another process, so its
// own CPU work (building and streaming answers) must not queue on the client's event loop.
import { parentPort, workerData } from 'node:worker_threads';

const { startFakeServer } = await import(workerData.serverModule);
const { latency, tasks, fan, options } = workerData;
const item = (title, i) => ({
  title: `${title} ${i + 1}`,
  description: `Deliver ${title} ${i + 1}.`,
  details: `Implement ${title} ${i + 1} end to end.`,
  testStrategy: 'unit tests',
  priority: 'high',
  complexity: 8,
  dependencies: i > 0 ? [i] : [],
});
// `options` (FakeServerOptions, e.g. { compute: {...} }) lets a bench run the same answers on a compute-model server.
// Frames are written whole, as a real server writes its lines (the tests' default splits each stream's
// first frame into two writes 2 ms apart, to exercise clients' buffering).
const server = await startFakeServer({ latencyMs: latency, splitFrames: false, ...options });
server.script((c) => {
  const isTop = JSON.stringify(c.schema ?? {}).includes('"tasks"');
  return isTop
    ? { json: { tasks: Array.from({ length: tasks }, (_, i) => item('Task', i)) } }
    : { json: { subtasks: Array.from({ length: fan }, (_, i) => item('Step', i)) } };
});
parentPort.on('message', async (m) => {
  if (m === 'counts') parentPort.postMessage({ counts: server.counts() });
  if (m === 'tokens') parentPort.postMessage({ tokens: server.tokens() });
  if (m === 'close') {
    await server.close();
    parentPort.postMessage({ closed: true });
  }
});
parentPort.postMessage({ url: server.url });
