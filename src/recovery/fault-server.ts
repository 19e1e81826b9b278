import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the next chat answers with: an HTTP error status, or broken JSON. */
export type Fault = { status: number; message?: string } | 'invalid';

/**
 * A small Ollama-shaped server on 127.0.0.1 owned by the self-test (library code never imports the
 * test fake): /api/version, /api/tags, /api/show, and /api/chat (NDJSON) that answers with the
 * smallest valid instance of the JSON Schema in `format`. Faults are queued per chat, a model can
 * be missing (404 as Ollama says it), or every chat after the n-th can fail until `heal()`.
 */
export interface FaultServer {
  url: string;
  port: number;
  readonly chats: number;
  /** The next chats take these faults, in order. */
  queue(...faults: Fault[]): void;
  /** Chats for these models answer 404 "not found". */
  missing(...models: string[]): void;
  /** Every chat after the first `n` (counted from the start) fails with `status`, until heal(). */
  failAfter(n: number, status: number): void;
  /** No more faults or missing models. */
  heal(): void;
  close(): Promise<void>;
}

type Schema = Record<string, unknown>;

// The smallest instance of a JSON Schema (the subset structured output uses); strings are numbered
// so answers never look like duplicates of each other.
function instance(s: Schema, n: { i: number }, depth = 0): unknown {
  if (depth > 10) return null;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const branch = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branch) return instance(branch.find((b) => b.type !== 'null') ?? branch[0]!, n, depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  const num = (fallback: number) =>
    Math.min(
      typeof s.maximum === 'number' ? s.maximum : fallback,
      Math.max(typeof s.minimum === 'number' ? s.minimum : fallback, fallback),
    );
  switch (type ?? (s.properties ? 'object' : 'string')) {
    case 'object':
      return Object.fromEntries(
        Object.entries((s.properties ?? {}) as Record<string, Schema>).map(([k, v]) => [k, instance(v, n, depth + 1)]),
      );
    case 'array':
      return Array.from({ length: typeof s.minItems === 'number' ? s.minItems : 0 }, () =>
        instance((s.items ?? {}) as Schema, n, depth + 1),
      );
    case 'integer':
      return Math.round(num(5));
    case 'number':
      return num(0.5);
    case 'boolean':
      return true;
    default: {
      const text = `self-test answer number ${++n.i}`;
      return typeof s.minLength === 'number' && text.length < s.minLength ? text.padEnd(s.minLength, '.') : text;
    }
  }
}

/** Starts the self-test server on a free loopback port (or `port`). */
export async function startFaultServer(opts: { models: string[]; port?: number }): Promise<FaultServer> {
  const state = {
    chats: 0,
    queue: [] as Fault[],
    missing: new Set<string>(),
    failAfter: Infinity,
    status: 500,
    n: { i: 0 },
  };
  const known = (m: string) => opts.models.find((x) => x === m || x === `${m}:latest` || m === `${x}:latest`);
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (req.url === '/api/version') return json(200, { version: 'self-test' });
      if (req.url === '/api/tags')
        return json(200, { models: opts.models.map((m) => ({ name: m, model: m, details: { family: 'llama' } })) });
      if (req.url === '/api/show')
        return json(200, {
          model_info: { 'llama.context_length': 8192 },
          capabilities: ['completion'],
          details: { family: 'llama' },
        });
      if (req.url !== '/api/chat' || req.method !== 'POST') return json(404, { error: `no route ${req.url}` });
      state.chats++;
      const q = JSON.parse(body || '{}') as { model?: string; format?: Schema };
      const model = q.model ?? '';
      if (!known(model) || state.missing.has(model) || state.missing.has(known(model)!))
        return json(404, { error: `model "${model}" not found, try pulling it first` });
      if (state.chats > state.failAfter)
        return json(state.status, { error: 'an error was encountered while running the model' });
      const fault = state.queue.shift();
      if (fault && fault !== 'invalid') return json(fault.status, { error: fault.message ?? 'server busy' });
      const content =
        fault === 'invalid' ? '{"healthy": tru' : JSON.stringify(instance(q.format ?? { type: 'string' }, state.n));
      const base = { model, created_at: new Date(0).toISOString() };
      // Ollama streams NDJSON: content first, then the final chunk with the counts.
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ ...base, message: { role: 'assistant', content }, done: false })}\n`);
      res.end(
        `${JSON.stringify({
          ...base,
          message: { role: 'assistant', content: '' },
          done: true,
          done_reason: 'stop',
          prompt_eval_count: 20,
          eval_count: 10,
        })}\n`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get chats() {
      return state.chats;
    },
    queue: (...f) => void state.queue.push(...f),
    missing: (...m) => m.forEach((x) => state.missing.add(x)),
    failAfter: (n, status) => {
      state.failAfter = n;
      state.status = status;
    },
    heal: () => {
      state.failAfter = Infinity;
      state.queue = [];
      state.missing.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
