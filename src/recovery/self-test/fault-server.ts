import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny Ollama-shaped server on 127.0.0.1 owned by the self-test (library code never imports the
 * test fake): /api/version, /api/tags, and /api/chat that answers the first `invalidFirst` chats
 * with broken JSON, then with a valid object for the round-trip schema.
 */
export interface FaultServer {
  url: string;
  chats: number;
  close(): Promise<void>;
}

/** Starts the self-test server on a free loopback port. */
export async function startFaultServer(opts: { model: string; invalidFirst: number; port?: number }): Promise<FaultServer> {
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
      if (req.url === '/api/tags') return json(200, { models: [{ name: opts.model, model: opts.model, details: { family: 'llama' } }] });
      if (req.url === '/api/chat' && req.method === 'POST') {
        state.chats++;
        const content = state.chats <= opts.invalidFirst ? '{"healthy": tru' : JSON.stringify({ healthy: true, word: 'ready' });
        return json(200, { model: opts.model, created_at: new Date(0).toISOString(), message: { role: 'assistant', content }, done: true, done_reason: 'stop' });
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
