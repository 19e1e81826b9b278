/**
 * A fake LLM server for tests and benchmarks: a real node:http server on 127.0.0.1 that speaks
 * Ollama's native API (/api/*, NDJSON), the OpenAI-compatible API (/v1/*, SSE) and a minimal
 * Anthropic Messages API, as /work/shared/reference/local-llm-servers.md describes. It answers
 * structured-output requests with a valid instance of the requested JSON Schema built from prompt
 * words (deterministic per request body), takes scripted replies, and injects faults.
 *
 * Options (FakeServerOptions, fake/types.ts):
 * - flavor: 'ollama' (default) | 'lmstudio' | 'localai' | 'llamacpp' | 'vllm': routes, error bodies,
 *   usage fields and capacity endpoints of that server (fake/flavors.ts; llama.cpp /props /slots
 *   /health /metrics, vLLM /metrics /health /version, LM Studio /api/v0/models, Ollama /api/ps).
 * - compute: { prefillTokensPerSec, decodeTokensPerSec, slots, promptTimeMs, cache, cacheBlock }:
 *   uncached prompt tokens cost 1/prefill s, generated tokens 1/decode s each and stream as they
 *   are generated; `slots` requests run at once, the rest queue FIFO; each slot keeps its last
 *   prompt + answer as KV cache and a request takes the free slot with the longest shared token
 *   prefix (fake/compute.ts, tokenizer and ChatML template in fake/tokens.ts). promptTimeMs = a
 *   fixed prompt time (token-rate mode). Counters: tokens(), slots(), clearCache().
 * - answers: { stringWords, arrayItems } (by property name, '*' = any): answers of real length.
 * - loadMs, preload, loadingExpiry: cold model loads (fake/loading.ts).
 * - latencyMs, models, embeddingDim, version, port, shuffleEmbeddings; splitFrames: false writes
 *   every stream frame whole (by default a stream's first frame comes in two writes 2 ms apart).
 * Faults (fault()): status, hang (no headers ever), drop, latency, malformed, truncated,
 * schema-break, fenced, prose, think, mid-stream-error, no-done, stall {afterPieces} (0 = headers
 * only), slow-load {ms}, die {afterPieces}; failRate(); lieCapacity() for capacity endpoints.
 * Ollama model creation: HEAD/POST /api/blobs/:digest, POST /api/create (fake/create.ts; `created`).
 * Several servers: startFakeServers(n, opts) (fake/cluster.ts); kill() simulates an endpoint dying.
 * No vitest imports: bench scripts load it from dist/. Run standalone (fake/cli.ts for all flags):
 *   node dist/test/support/fake-llm-server.js --port 11999 [--flavor llamacpp] [--slots 2 --decode 80]
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sameModel } from './fake/answers.js';
import { anthropicError, anthropicRoute, isAnthropic } from './fake/anthropic.js';
import { parseFakeArgs } from './fake/cli.js';
import { type FakeCluster, makeCluster } from './fake/cluster.js';
import { ComputeHub } from './fake/compute.js';
import { flavorNotFound, flavorRoute } from './fake/flavors.js';
import { readBody, sendJson, sendText, sleep, wholeFrames } from './fake/http.js';
import { llamaCompletion } from './fake/llama-native.js';
import { newLoadState } from './fake/loading.js';
import { ollamaError, ollamaRoute } from './fake/ollama.js';
import { openaiError, openaiRoute } from './fake/openai.js';
import { makeRng, type Rng } from './fake/rng.js';
import type { Core, RouteCtx } from './fake/route.js';
import type { Fault, FakeModel, FakeServer, FakeServerOptions, RecordedRequest } from './fake/types.js';

export type * from './fake/types.js';
export { schemaInstance } from './fake/schema-instance.js';
export { embedText } from './fake/rng.js';
export { tokenize, renderChat } from './fake/tokens.js';
export type { FakeCluster } from './fake/cluster.js';

/** Models a fresh server has unless `models` is given. */
export const DEFAULT_FAKE_MODELS: FakeModel[] = [
  { name: 'llama3.2:latest', contextLength: 8192, family: 'llama', sizeBytes: 2_019_393_189 },
  {
    name: 'nomic-embed-text:latest',
    contextLength: 2048,
    family: 'nomic-bert',
    embedding: true,
    sizeBytes: 274_302_450,
  },
];

const MODEL_CALL =
  /^(\/api\/(chat|generate|embed|embeddings)|\/v1\/(chat\/completions|embeddings|messages)|\/completions?)$/;
const CHAT_CALL = /^(\/api\/(chat|generate)|\/v1\/(chat\/completions|messages)|\/completions?)$/;
const CONTENT_KINDS = new Set([
  'malformed',
  'truncated',
  'schema-break',
  'fenced',
  'prose',
  'think',
  'mid-stream-error',
  'no-done',
  'stall',
  'slow-load',
]);
const BUSY = 'server busy, please try again.  maximum pending requests exceeded';

/** Go's encoding/json wording for a body that is not JSON (what Ollama returns in a 400). */
function goJsonError(raw: string): string {
  const ch = raw.trim()[0] ?? '';
  return `invalid character '${ch}' looking for beginning of value`;
}

function defaultMessage(status: number, model: string | undefined): string {
  if (status === 503) return BUSY;
  if (status === 404) return `model '${model ?? 'unknown'}' not found`;
  if (status === 429) return 'too many requests';
  if (status === 401) return 'unauthorized';
  if (status === 400) return 'bad request';
  return 'an error was encountered while running the model';
}

/** Starts a fake server on 127.0.0.1 (port 0 = any free port). */
export async function startFakeServer(opts: FakeServerOptions = {}): Promise<FakeServer> {
  const flavor = opts.flavor ?? 'ollama';
  const models = structuredClone(opts.models ?? DEFAULT_FAKE_MODELS);
  const preload = (opts.preload ?? []).map((n) => models.find((m) => sameModel(m.name, n))?.name ?? n);
  const core: Core = {
    flavor,
    embeddingDim: opts.embeddingDim ?? 384,
    version: opts.version ?? (flavor === 'vllm' ? '0.11.0' : '0.12.6'),
    shuffleEmbeddings: opts.shuffleEmbeddings ?? false,
    models,
    ...newLoadState(preload),
    queue: [],
    answers: opts.answers,
    hub: new ComputeHub(opts.compute, (opts.compute?.cache ?? (flavor === 'vllm' ? 'global' : 'slot')) === 'global'),
    startedAt: Date.now(),
    loadMs: opts.loadMs ?? 0,
    loadingExpiry: opts.loadingExpiry ?? 'session',
    blobs: new Map(),
    created: [],
    die: () => void shutdown(),
  };
  const requests: RecordedRequest[] = [];
  const counts: Record<string, number> = {};
  let faults: Array<Fault & { left: number }> = [];
  let flaky: { probability: number; rng: Rng; status: number; path?: RegExp } | undefined;
  const sockets = new Set<Socket>();

  function takeFault(path: string, model: string | undefined): Fault | undefined {
    const i = faults.findIndex(
      (f) =>
        (f.path ? f.path.test(path) : MODEL_CALL.test(path)) &&
        (!f.model || (model !== undefined && sameModel(f.model, model))) &&
        (!CONTENT_KINDS.has(f.kind) || CHAT_CALL.test(path)),
    );
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.left <= 0) faults.splice(i, 1);
    return f;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (opts.splitFrames === false) wholeFrames.add(res);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = req.method ?? 'GET';
    const rawBuffer = await readBody(req);
    const raw = rawBuffer.toString('utf8');
    let body: Record<string, unknown> | undefined;
    let parseError: string | undefined;
    if (raw.trim()) {
      try {
        const v = JSON.parse(raw) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v)) body = v as Record<string, unknown>;
        else parseError = 'json: cannot unmarshal non-object into Go value';
      } catch {
        parseError = goJsonError(raw);
      }
    }
    requests.push({ method, path, body: body ?? (raw || undefined), headers: req.headers, time: Date.now() });
    counts[path] = (counts[path] ?? 0) + 1;
    const ctx: RouteCtx = { req, res, method, path, raw, rawBuffer, body, parseError, core };
    const openaiOnly = core.flavor === 'llamacpp' || core.flavor === 'vllm';
    const api = isAnthropic(ctx) ? 'anthropic' : path.startsWith('/v1/') || openaiOnly ? 'openai' : 'ollama';
    const sendError = (status: number, message: string, shape?: string) =>
      api === 'anthropic'
        ? anthropicError(ctx, status, message, shape)
        : api === 'openai'
          ? openaiError(ctx, status, message, shape)
          : ollamaError(ctx, status, message, shape);
    const model = typeof body?.model === 'string' ? body.model : typeof body?.name === 'string' ? body.name : undefined;

    const fault = takeFault(path, model);
    if (
      !fault &&
      flaky &&
      (flaky.path ? flaky.path.test(path) : MODEL_CALL.test(path)) &&
      flaky.rng() < flaky.probability
    ) {
      return sendError(flaky.status, defaultMessage(flaky.status, model));
    }
    if (fault?.kind === 'status')
      return sendError(fault.status, fault.message ?? defaultMessage(fault.status, model), fault.shape);
    if (fault?.kind === 'hang') return; // never answered; close() destroys the socket
    if (fault?.kind === 'drop') return void req.socket.destroy();
    if (fault?.kind === 'die' && fault.afterPieces === undefined) return void shutdown();
    if (fault?.kind === 'latency' && !(await sleep(fault.ms, res))) return;
    if (opts.latencyMs && MODEL_CALL.test(path) && !(await sleep(opts.latencyMs, res))) return;
    if (fault && (CONTENT_KINDS.has(fault.kind) || fault.kind === 'die')) ctx.contentFault = fault;

    if (flavorRoute(ctx)) return;
    if (await llamaCompletion(ctx)) return;
    if (await anthropicRoute(ctx)) return;
    if (await openaiRoute(ctx)) return;
    if (core.flavor === 'lmstudio' && path.startsWith('/api/')) {
      return sendJson(res, 200, { error: `Unexpected endpoint or method. (${method} ${path})` });
    }
    if ((core.flavor === 'ollama' || core.flavor === 'localai') && (await ollamaRoute(ctx))) return;
    if (flavorNotFound(ctx)) return;
    sendText(res, 404, '404 page not found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `fake server bug: ${(e as Error).message}` });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let closing: Promise<void> | undefined;
  /** Stops listening and destroys every connection (hung ones included); pending waits end with them. */
  function shutdown(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      for (const t of core.timers) clearTimeout(t);
      core.timers.clear();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      core.hub.shutdown();
    });
    return closing;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    flavor: core.flavor,
    requests,
    created: core.created,
    enqueue: (...replies) => void core.queue.push(...replies),
    script: (fn) => void (core.script = fn),
    setModels: (list) => void (core.models = structuredClone(list)),
    models: () => structuredClone(core.models),
    fault: (f) => void faults.push({ ...f, left: f.times ?? 1 }),
    failRate: (o) =>
      void (flaky = { probability: o.probability, rng: makeRng(o.seed ?? 1), status: o.status ?? 500, path: o.path }),
    counts: () => ({ ...counts }),
    tokens: () => core.hub.stats(),
    slots: (model) => core.hub.slots(model && (core.models.find((m) => sameModel(m.name, model))?.name ?? model)),
    inFlight: () => ({ running: core.hub.running(), waiting: core.hub.waiting() }),
    clearCache: () => core.hub.clearCache(),
    lieCapacity: (report) => void (core.lie = report),
    blobs: () => [...core.blobs.keys()],
    reset: () => {
      requests.length = 0;
      for (const k of Object.keys(counts)) delete counts[k];
      core.queue.length = 0;
      core.script = undefined;
      core.lie = undefined;
      core.hub.resetStats();
      faults = [];
      flaky = undefined;
    },
    kill: shutdown,
    close: shutdown,
  };
}

/** Starts `n` fake servers (a pool of endpoints); per-index options when `opts` is a function. */
export function startFakeServers(
  n: number,
  opts: FakeServerOptions | ((i: number) => FakeServerOptions) = {},
): Promise<FakeCluster> {
  return makeCluster(startFakeServer, n, opts);
}

function isMain(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  try {
    const { count, options } = parseFakeArgs(process.argv.slice(2));
    startFakeServers(count, options)
      .then((c) => process.stdout.write(`${c.urls.join('\n')}\n`))
      .catch((e: unknown) => {
        process.stderr.write(`fake server: ${(e as Error).message}\n`);
        process.exitCode = 1;
      });
  } catch (e) {
    process.stderr.write(`fake server: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}
