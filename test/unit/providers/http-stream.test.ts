import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postStream } from '../../../src/models/providers/http-stream.js';

let server: Server | undefined;
let connections = 0;
afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((r) => server!.close(r));
  server = undefined;
});

/** A server whose answers `answer` writes; returns its URL. */
async function serve(answer: (res: ServerResponse, body: string) => void): Promise<string> {
  connections = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => answer(res, body));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/chat`;
}

const post = (url: string, signal?: AbortSignal) =>
  postStream(url, { headers: { 'content-type': 'application/json' }, body: '{"x":1}', ...(signal ? { signal } : {}) });
const text = async (b: AsyncIterable<Uint8Array>) => {
  let s = '';
  for await (const c of b) s += Buffer.from(c).toString('utf8');
  return s;
};

describe('postStream (node:http streamed answers)', () => {
  it('sends the body and streams the answer; a reader that stops early leaves the connection to the next call', async () => {
    const url = await serve((res, body) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`{"echo":${body}}\n`);
      setTimeout(() => res.end('{"done":true}\n'), 20);
    });
    const a = await post(url);
    expect(a).toMatchObject({ ok: true, status: 200 });
    for await (const c of a.body) {
      expect(Buffer.from(c).toString()).toBe('{"echo":{"x":1}}\n');
      break; // stop reading: the rest drains by itself
    }
    await new Promise((r) => setTimeout(r, 100)); // the answer ends after 20 ms
    const b = await post(url);
    expect(await text(b.body)).toBe('{"echo":{"x":1}}\n{"done":true}\n');
    expect(connections).toBe(1);
  });

  it('gives an error answer with its status and text', async () => {
    const url = await serve((res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"model \'x\' not found"}');
    });
    const a = await post(url);
    expect(a).toMatchObject({ ok: false, status: 404 });
    expect(await a.text()).toBe('{"error":"model \'x\' not found"}');
  });

  it('fails a cut answer with ECONNRESET, closes the connection on cancel, and refuses with ECONNREFUSED', async () => {
    let closed = false;
    const url = await serve((res) => {
      res.writeHead(200);
      res.write('{"part":1}\n');
      res.on('close', () => (closed = true));
      if (connections === 1) setTimeout(() => res.socket?.destroy(), 20);
    });
    const cut = await post(url);
    await expect(text(cut.body)).rejects.toMatchObject({ code: 'ECONNRESET' });
    const open = await post(url);
    await open.body.cancel();
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(true);
    const port = (server!.address() as AddressInfo).port;
    server!.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
    await expect(post(`http://127.0.0.1:${port}/api/chat`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('stops at the signal', async () => {
    const url = await serve((res) => {
      res.writeHead(200);
      res.write('{"part":1}\n');
    });
    const ctl = new AbortController();
    const a = await post(url, ctl.signal);
    setTimeout(() => ctl.abort(), 20);
    await expect(text(a.body)).rejects.toThrow();
    await expect(post(url, ctl.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('follows a 307 or 308 with the same body (as fetch did), returns other redirects as they are, and stops a loop', async () => {
    const url = await serve((res, body) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(`{"echo":${body}}\n`);
    });
    const target = new URL(url);
    server!.removeAllListeners('request');
    server!.on('request', (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.url === '/old') res.writeHead(307, { location: '/moved' }).end();
        else if (req.url === '/moved') res.writeHead(308, { location: target.pathname }).end();
        else if (req.url === '/found') res.writeHead(302, { location: target.pathname }).end();
        else if (req.url === '/loop') res.writeHead(307, { location: '/loop' }).end();
        else res.writeHead(200).end(`${req.method} ${req.url} ${body}`);
      });
    });
    const at = (path: string) => new URL(path, url).href;
    const moved = await post(at('/old'));
    expect(moved.status).toBe(200);
    expect(await moved.text()).toBe('POST /api/chat {"x":1}');
    const found = await post(at('/found'));
    expect(found.status).toBe(302);
    await found.text();
    const loop = await post(at('/loop'));
    expect(loop.status).toBe(307);
    await loop.text();
  });

  it('keeps the authorization header on its own origin and drops it on a redirect to another', async () => {
    const seen: (string | undefined)[] = [];
    const other = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      req.on('end', () => res.writeHead(200).end('other'));
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/api/chat`;
    try {
      const url = await serve((res) => res.writeHead(200).end('same'));
      server!.removeAllListeners('request');
      server!.on('request', (req, res) => {
        seen.push(req.headers.authorization);
        req.resume();
        req.on('end', () => {
          if (req.url === '/here') res.writeHead(307, { location: '/api/chat' }).end();
          else if (req.url === '/away') res.writeHead(307, { location: otherUrl }).end();
          else res.writeHead(200).end('same');
        });
      });
      const send = (path: string) =>
        postStream(new URL(path, url).href, { headers: { authorization: 'Bearer k' }, body: '{}' });
      expect(await (await send('/here')).text()).toBe('same');
      expect(await (await send('/away')).text()).toBe('other');
      expect(seen).toEqual(['Bearer k', 'Bearer k', 'Bearer k', undefined]);
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });
});
