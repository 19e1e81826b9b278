/**
 * A fake LLM server for tests and benchmarks: a real node:http server on 127.0.0.1 that speaks
 * Ollama's native API (/api/*, NDJSON), the OpenAI-compatible API (/v1/*, SSE) and a minimal
 * Anthropic Messages API, as /work/shared/reference/local-llm-servers.md describes. It answers
 * structured-output requests with a valid instance of the requested JSON Schema built from prompt
 * words (deterministic per request body), takes scripted replies, and injects faults.
 * No vitest imports: bench scripts load it from dist/. Run standalone:
 *   node dist/test/support/fake-llm-server.js --port 11999 [--flavor lmstudio]
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sameModel } from './fake/answers.js';
import { anthropicError, anthropicRoute, isAnthropic } from './fake/anthropic.js';
import { readBody, sendJson, sendText, sleep } from './fake/http.js';
import { ollamaError, ollamaRoute } from './fake/ollama.js';
import { openaiError, openaiRoute } from './fake/openai.js';
import { makeRng, type Rng } from './fake/rng.js';
import type { Core, RouteCtx } from './fake/route.js';
import type { Fault, FakeModel, FakeServer, FakeServerOptions, RecordedRequest } from './fake/types.js';

export type * from './fake/types.js';
export { schemaInstance } from './fake/schema-instance.js';
export { embedText } from './fake/rng.js';

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

const MODEL_CALL = /^(\/api\/(chat|generate|embed|embeddings)|\/v1\/(chat\/completions|embeddings|messages))$/;
const CHAT_CALL = /^(\/api\/(chat|generate)|\/v1\/(chat\/completions|messages))$/;
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
  const core: Core = {
    flavor: opts.flavor ?? 'ollama',
    embeddingDim: opts.embeddingDim ?? 384,
    version: opts.version ?? '0.12.6',
    shuffleEmbeddings: opts.shuffleEmbeddings ?? false,
    models: structuredClone(opts.models ?? DEFAULT_FAKE_MODELS),
    loaded: new Map(),
    queue: [],
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
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
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
    const ctx: RouteCtx = { req, res, method, path, raw, body, parseError, core };
    const api = isAnthropic(ctx) ? 'anthropic' : path.startsWith('/v1/') ? 'openai' : 'ollama';
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
    if (fault?.kind === 'latency' && !(await sleep(fault.ms, res))) return;
    if (opts.latencyMs && MODEL_CALL.test(path) && !(await sleep(opts.latencyMs, res))) return;
    if (fault && CONTENT_KINDS.has(fault.kind)) ctx.contentFault = fault;

    if (await anthropicRoute(ctx)) return;
    if (await openaiRoute(ctx)) return;
    if (core.flavor === 'lmstudio' && path.startsWith('/api/')) {
      return sendJson(res, 200, { error: `Unexpected endpoint or method. (${method} ${path})` });
    }
    if (core.flavor !== 'lmstudio' && (await ollamaRoute(ctx))) return;
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
    enqueue: (...replies) => void core.queue.push(...replies),
    script: (fn) => void (core.script = fn),
    setModels: (models) => void (core.models = structuredClone(models)),
    models: () => structuredClone(core.models),
    fault: (f) => void faults.push({ ...f, left: f.times ?? 1 }),
    failRate: (o) =>
      void (flaky = { probability: o.probability, rng: makeRng(o.seed ?? 1), status: o.status ?? 500, path: o.path }),
    counts: () => ({ ...counts }),
    reset: () => {
      requests.length = 0;
      for (const k of Object.keys(counts)) delete counts[k];
      core.queue.length = 0;
      core.script = undefined;
      faults = [];
      flaky = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function isMain(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const flavor = arg('flavor') as FakeServerOptions['flavor'];
  const latency = arg('latency');
  startFakeServer({ port: Number(arg('port') ?? 0), flavor, latencyMs: latency ? Number(latency) : undefined })
    .then((s) => process.stdout.write(`${s.url}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`fake server: ${(e as Error).message}\n`);
      process.exitCode = 1;
    });
}
