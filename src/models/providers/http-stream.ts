import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** A streamed answer's body: its bytes as they arrive, every chunk that came in since the last read at once. */
export interface StreamBody extends AsyncIterable<Uint8Array> {
  /** Closes the connection: the server stops generating (for a body not read to its end). */
  cancel(): Promise<void>;
}

export interface StreamAnswer {
  ok: boolean;
  status: number;
  statusText: string;
  body: StreamBody;
  text(): Promise<string>;
}

// Connections are kept for the next call, as fetch keeps them; idle ones never hold the process open.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * POSTs a JSON body and resolves with the answer once its headers are in, over node:http: a model
 * call's streamed answer costs the client about half the CPU it costs through fetch (1.0 against
 * 2.1 ms on the same server; README, Known limits), and every answer of a run passes here. Failures
 * are Node's own (ECONNREFUSED, ECONNRESET, AbortError), which wireError maps as it maps fetch's.
 */
export async function postStream(
  url: string,
  o: { headers: Record<string, string>; body: string; signal?: AbortSignal },
): Promise<StreamAnswer> {
  // A 307/308 is followed with the same method and body, as fetch follows it (a proxy or a moved
  // endpoint); other 3xx answers are returned as they are (fetch would turn the POST into a GET).
  let at = new URL(url);
  let headers = o.headers;
  for (let hop = 0; ; hop++) {
    const res = await postOnce(at, { ...o, headers });
    const location = res.headers.location;
    if ((res.statusCode !== 307 && res.statusCode !== 308) || !location || hop >= MAX_REDIRECTS) return answer(res);
    res.resume(); // drain, so the connection goes back to the pool
    const next = new URL(location, at);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return answer(res);
    // credentials never follow a redirect to another origin (fetch drops them the same way)
    if (next.origin !== at.origin)
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
    at = next;
  }
}

/** Redirects followed at most, as fetch's limit. */
const MAX_REDIRECTS = 20;

function postOnce(
  u: URL,
  o: { headers: Record<string, string>; body: string; signal?: AbortSignal },
): Promise<IncomingMessage> {
  const secure = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      u,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) },
        ...(o.signal ? { signal: o.signal } : {}),
      },
      resolve,
    );
    req.once('error', reject);
    req.end(o.body);
  });
}

function answer(res: IncomingMessage): StreamAnswer {
  const status = res.statusCode ?? 0;
  const body = bodyOf(res);
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? '',
    body,
    text: async () => {
      const parts: Uint8Array[] = [];
      for await (const c of body) parts.push(c);
      return Buffer.concat(parts).toString('utf8');
    },
  };
}

/**
 * The body read as it flows: a reader that stops early (the answer's last line is in) leaves the
 * rest to drain, so the connection goes back to the pool; cancel() closes it instead.
 */
function bodyOf(res: IncomingMessage): StreamBody {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  res.on('data', (c: Buffer) => {
    queue.push(c);
    signal();
  });
  res.on('end', () => {
    ended = true;
    signal();
  });
  res.on('error', (e) => {
    failure ??= e;
    signal();
  });
  res.on('close', () => {
    // Closed before its end: the connection was cut mid-answer.
    if (!res.complete) failure ??= Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    ended = true;
    signal();
  });
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length > 0) {
          yield queue.length === 1 ? queue.shift()! : Buffer.concat(queue.splice(0));
          continue;
        }
        if (failure !== undefined) throw failure;
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
      }
    },
    cancel: async () => void res.destroy(),
  };
}
