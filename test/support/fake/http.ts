import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads the whole request body (bytes: blobs are binary). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Sends one JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sends a plain-text response (e.g. a reverse proxy's error page). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Resolves after `ms`, or early (false) once the client is gone. */
export function sleep(ms: number, res?: ServerResponse): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!res?.destroyed);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      res?.off('close', onClose);
      resolve(true);
    }, ms);
    const onClose = () => {
      clearTimeout(t);
      resolve(false);
    };
    res?.once('close', onClose);
  });
}

/** Responses of a server started with `splitFrames: false`: their frames are written whole. */
export const wholeFrames = new WeakSet<ServerResponse>();

/**
 * Writes one frame of a stream. Frames with non-ASCII text are split inside a multibyte
 * character, and `forceSplit` frames at their middle, as two separate socket writes, so
 * clients must buffer partial lines and decode UTF-8 in streaming mode (unless the response
 * is in `wholeFrames`).
 */
export async function writeFrame(res: ServerResponse, text: string, forceSplit = false): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  const buf = Buffer.from(text, 'utf8');
  if (wholeFrames.has(res)) {
    res.write(buf);
    return true;
  }
  // ASCII text (as many bytes as characters) has no continuation byte: skip the byte scan.
  let cut = buf.length === text.length ? -1 : buf.findIndex((b) => b >= 0x80 && b < 0xc0);
  if (cut < 0 && forceSplit && buf.length > 1) cut = Math.floor(buf.length / 2);
  if (cut <= 0) {
    res.write(buf);
    return true;
  }
  res.write(buf.subarray(0, cut));
  if (!(await sleep(2, res))) return false;
  res.write(buf.subarray(cut));
  return true;
}

/** Splits answer text into stream pieces of a few code points each. */
export function pieces(text: string, size = 6): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/** Waits until the client closes the connection (a stalled stream). */
export function untilClosed(res: ServerResponse): Promise<void> {
  return res.destroyed ? Promise.resolve() : new Promise((resolve) => res.once('close', () => resolve()));
}
