import { isIP } from 'node:net';

/** Why a host setting cannot be used; thrown by parseOllamaHost, named after its variable by the caller. */
export class InvalidHostError extends Error {}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i;

/**
 * Parses OLLAMA_HOST the way Ollama does: bare host gets port 11434, ':port' means loopback,
 * an explicit scheme without port gets 80/443, and the bind-all addresses 0.0.0.0 / :: mean loopback.
 * `user:password@` is kept in the URL (the provider turns it into an Authorization header) and is
 * never taken for part of the host. Returns an origin without trailing slash, e.g.
 * http://127.0.0.1:11434. Throws InvalidHostError for what no server can be at: another scheme
 * (ftp://), a port outside 1–65535, a host that is neither a name nor an IP address (`:::`).
 */
export function parseOllamaHost(value: string | undefined, defaultPort = 11434): string {
  let v = (value ?? '').trim();
  if (!v) return `http://127.0.0.1:${defaultPort}`;
  let scheme = 'http';
  let explicitScheme = false;
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v);
  if (m) {
    scheme = m[1]!.toLowerCase();
    explicitScheme = true;
    v = v.slice(m[0].length);
    if (scheme !== 'http' && scheme !== 'https')
      throw new InvalidHostError(`scheme ${scheme}:// is not supported (use http:// or https://)`);
  }
  const slash = v.search(/[/?#]/);
  let path = '';
  if (slash >= 0) {
    path = v.slice(slash).replace(/\/+$/, '');
    v = v.slice(0, slash);
  }
  // userinfo: everything up to the last '@' of the authority (a password may contain '@' only escaped)
  let userinfo = '';
  const at = v.lastIndexOf('@');
  if (at >= 0) {
    userinfo = v.slice(0, at);
    v = v.slice(at + 1);
    if (!userinfo) throw new InvalidHostError('an empty user name before "@"');
  }
  let host = v;
  let port = '';
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) throw new InvalidHostError('an IPv6 address in [brackets] is not closed');
    const rest = host.slice(end + 1);
    if (rest && !rest.startsWith(':')) throw new InvalidHostError(`unexpected "${rest}" after the IPv6 address`);
    port = rest.slice(1);
    host = host.slice(1, end);
    if (rest === ':') throw new InvalidHostError('an empty port after ":"');
  } else if ((host.match(/:/g) ?? []).length === 1) {
    [host, port] = host.split(':') as [string, string];
    if (port === '') throw new InvalidHostError('an empty port after ":"');
  } else if ((host.match(/:/g) ?? []).length > 1 && isIP(host) !== 6) {
    throw new InvalidHostError(`"${host}" is neither a host name nor an IP address (write IPv6 as [addr]:port)`);
  }
  if (host === '0.0.0.0' || host === '::' || host === '[::]') host = '127.0.0.1';
  if (!host) host = '127.0.0.1';
  if (isIP(host) === 0 && !HOST_NAME.test(host))
    throw new InvalidHostError(`"${host}" is not a valid host name or IP address`);
  if (port) {
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
      throw new InvalidHostError(`port ${port} is not a port number (1-65535)`);
    port = String(Number(port));
  } else port = explicitScheme ? (scheme === 'https' ? '443' : '80') : String(defaultPort);
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  return `${scheme}://${userinfo ? `${userinfo}@` : ''}${hostPart}:${port}${path}`;
}

/** Parses a generic server URL env var (LM_STUDIO_HOST, LOCAL_AI_HOST) into a base URL ending in /v1. */
export function parseOpenAIHost(value: string, defaultPort: number): string {
  const origin = parseOllamaHost(value, defaultPort);
  return /\/v1$/.test(origin) ? origin : `${origin.replace(/\/+$/, '')}/v1`;
}

/**
 * Splits the credentials out of a server URL: the URL without `user:password@`, and the
 * Authorization header they stand for (HTTP Basic, percent-decoded as WHATWG URL does).
 */
export function splitUrlCredentials(url: string): { url: string; authorization?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url };
  }
  if (!u.username && !u.password) return { url };
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  const clean = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  return { url: clean, authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

/** Host part of a URL, lowercased, without brackets. */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}

/**
 * Local = loopback, private or link-local ranges, *.local/*.internal names, or a trusted host.
 * Decided on the literal host only, never by DNS, so the guard needs no socket.
 */
export function isLocalHost(host: string, trusted: readonly string[] = []): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (trusted.map((t) => t.toLowerCase()).includes(h)) return true;
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const kind = isIP(h);
  if (kind === 4) {
    const [a, b] = h.split('.').map(Number) as [number, number];
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (kind === 6) {
    if (h === '::1') return true;
    if (h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80')) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped ? isLocalHost(mapped[1]!, trusted) : false;
  }
  return false;
}

// The privacy guard asks this for every call of a run, always about the same few endpoints.
const localUrls = new Map<string, boolean>();

/** Whether a URL points to a local host. */
export function isLocalUrl(url: string, trusted: readonly string[] = []): boolean {
  const key = trusted.length ? `${url}\n${trusted.join('\n')}` : url;
  let local = localUrls.get(key);
  if (local === undefined) {
    if (localUrls.size >= 1000) localUrls.clear();
    localUrls.set(key, (local = isLocalHost(hostOf(url), trusted)));
  }
  return local;
}

/** task-master's Ollama baseURL includes /api; ours does not. */
export function toTaskMasterOllamaURL(origin: string): string {
  return origin.replace(/\/+$/, '').replace(/\/api$/, '') + '/api';
}
export function fromTaskMasterOllamaURL(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api$/, '');
}
