import { ProviderError } from '../../errors.js';
import { errorBodyMessage } from './errors.js';

/**
 * Sends one request and parses a JSON answer. A non-2xx answer goes to `onHttpError` with the
 * server's message (either error body shape, or plain text); a 2xx body that is not JSON is a
 * retryable ProviderError.
 */
export async function fetchJson(
  f: typeof fetch,
  url: string,
  init: RequestInit & { json?: unknown },
  onHttpError: (status: number, message: string) => Error,
): Promise<unknown> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  headers.set('accept', 'application/json');
  const res = await f(url, {
    ...rest,
    headers,
    ...(json !== undefined ? { body: JSON.stringify(json), method: rest.method ?? 'POST' } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw onHttpError(res.status, errorBodyMessage(text) || res.statusText);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError(
      'PROVIDER_ERROR',
      `the server at ${new URL(url).origin} answered ${new URL(url).pathname} with something that is not JSON`,
      {
        retryable: true,
        hint: 'check that the endpoint points at the model server and not at a proxy or web page',
        details: { url },
      },
    );
  }
}
