import { isIP } from 'node:net';

/**
 * Parses OLLAMA_HOST the way Ollama does: bare host gets port 11434, ':port' means loopback,
 * an explicit scheme without port gets 80/443, and the bind-all addresses 0.0.0.0 / :: mean loopback.
 * Returns an origin without trailing slash, e.g. http://127.0.0.1:11434.
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
  }
  const slash = v.indexOf('/');
  let path = '';
  if (slash >= 0) {
    path = v.slice(slash).replace(/\/+$/, '');
    v = v.slice(0, slash);
  }
  let host = v;
  let port = '';
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    port = host.slice(end + 1).replace(/^:/, '');
    host = host.slice(1, end);
  } else if ((host.match(/:/g) ?? []).length === 1) {
    [host, port] = host.split(':') as [string, string];
  } else if ((host.match(/:/g) ?? []).length > 1) {
    // bare IPv6 without brackets, e.g. '::'
  }
  if (!host || host === '0.0.0.0' || host === '::' || host === '[::]') host = '127.0.0.1';
  if (!port) port = explicitScheme ? (scheme === 'https' ? '443' : '80') : String(defaultPort);
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  return `${scheme}://${hostPart}:${port}${path}`;
}

/** Parses a generic server URL env var (LM_STUDIO_HOST, LOCAL_AI_HOST) into a base URL ending in /v1. */
export function parseOpenAIHost(value: string, defaultPort: number): string {
  const origin = parseOllamaHost(value, defaultPort);
  return /\/v1$/.test(origin) ? origin : `${origin.replace(/\/+$/, '')}/v1`;
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

/** Whether a URL points to a local host. */
export function isLocalUrl(url: string, trusted: readonly string[] = []): boolean {
  return isLocalHost(hostOf(url), trusted);
}

/** task-master's Ollama baseURL includes /api; ours does not. */
export function toTaskMasterOllamaURL(origin: string): string {
  return origin.replace(/\/+$/, '').replace(/\/api$/, '') + '/api';
}
export function fromTaskMasterOllamaURL(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api$/, '');
}
