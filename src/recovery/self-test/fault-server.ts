import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny Ollama-shaped server on 127.0.0.1 owned by the self-test (library code never imports the
 * test fake): /api/version, /api/tags, /api/show, and /api/chat (NDJSON, or one object with
 * stream:false) that answers the first `invalidFirst` chats with broken JSON, then with a valid
 * object for the round-trip schema.
 */
export interface FaultServer {
  url: string;
  chats: number;
  close(): Promise<void>;
}

/** Starts the self-test server on a free loopback port. */
export async function startFaultServer(opts: {
  model: string;
  invalidFirst: number;
  port?: number;
}): Promise<FaultServer> {
  const state = { chats: 0 };
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
        return json(200, { models: [{ name: opts.model, model: opts.model, details: { family: 'llama' } }] });
      if (req.url === '/api/show')
        return json(200, {
          model_info: { 'llama.context_length': 4096 },
          capabilities: ['completion'],
          details: { family: 'llama' },
        });
      if (req.url === '/api/chat' && req.method === 'POST') {
        state.chats++;
        const content =
          state.chats <= opts.invalidFirst ? '{"healthy": tru' : JSON.stringify({ healthy: true, word: 'ready' });
        const base = { model: opts.model, created_at: new Date(0).toISOString() };
        const streamed = (JSON.parse(body || '{}') as { stream?: boolean }).stream !== false;
        if (!streamed)
          return json(200, { ...base, message: { role: 'assistant', content }, done: true, done_reason: 'stop' });
        // Ollama streams NDJSON by default: content first, then the final chunk with the counts.
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(JSON.stringify({ ...base, message: { role: 'assistant', content }, done: false }) + '\n');
        return res.end(
          JSON.stringify({
            ...base,
            message: { role: 'assistant', content: '' },
            done: true,
            done_reason: 'stop',
            prompt_eval_count: 20,
            eval_count: 10,
          }) + '\n',
        );
      }
      json(404, { error: `no route ${req.url}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get chats() {
      return state.chats;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
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
