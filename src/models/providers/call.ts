import { abortedError, isAbortError, isAppError, ProviderError, type AppError } from '../../errors.js';
import type { ProviderKind, ProviderHealth } from '../types.js';
import { networkError, redact, SERVER_NAME } from './errors.js';

/**
 * The error a provider throws for anything that went wrong on the wire. A call cut by its signal
 * is ABORTED (the executor, which owns every deadline, turns its own cuts into TIMEOUT errors that
 * say what the server did); network failures and HTTP answers keep their mapped errors.
 */
export function wireError(
  e: unknown,
  kind: ProviderKind,
  endpoint: string,
  signal: AbortSignal | undefined,
  secret?: string,
): AppError {
  let out: AppError;
  if (signal?.aborted) out = abortedError(signal, 'the model call was cancelled');
  else if (isAppError(e)) out = e;
  else if (isAbortError(e)) out = abortedError(undefined, 'the model call was cancelled');
  else
    out =
      networkError(e, kind, endpoint) ??
      new ProviderError('PROVIDER_ERROR', `${SERVER_NAME[kind]} call failed: ${(e as Error)?.message ?? String(e)}`, {
        retryable: true,
        cause: e,
      });
  return redact(out, secret);
}

/**
 * A provider's health(): runs its probe (version and/or model list) and times it; up with what the
 * probe found, or the health answer of the error it threw (down, hung or error).
 */
export async function probeHealth(
  kind: ProviderKind,
  endpoint: string,
  signal: AbortSignal | undefined,
  probe: () => Promise<Pick<ProviderHealth, 'models' | 'version'>>,
): Promise<ProviderHealth> {
  const started = performance.now();
  try {
    const found = await probe();
    return { ok: true, state: 'up', endpoint, latencyMs: Math.round(performance.now() - started), ...found };
  } catch (e) {
    return healthFailure(e, kind, endpoint, started, signal);
  }
}

/** A health answer from a thrown error: refused = down, cut by the probe deadline = hung (running, stuck). */
function healthFailure(
  e: unknown,
  kind: ProviderKind,
  endpoint: string,
  started: number,
  signal: AbortSignal | undefined,
): ProviderHealth {
  const latencyMs = Math.round(performance.now() - started);
  const name = SERVER_NAME[kind];
  if (signal?.aborted && !(isAppError(e) && e.code === 'PROVIDER_UNREACHABLE')) {
    return {
      ok: false,
      endpoint,
      latencyMs,
      state: 'hung',
      error: `${name} at ${endpoint} accepted the connection but did not answer within ${latencyMs} ms`,
      hint: `${name} is running but not answering: restart it${kind === 'ollama' ? ' (quit Ollama, then `ollama serve`)' : ''}, or check its log for a stuck model load`,
    };
  }
  const err = e as AppError;
  return {
    ok: false,
    endpoint,
    latencyMs,
    state: isAppError(e) && e.code === 'PROVIDER_UNREACHABLE' ? 'down' : 'error',
    error: err?.message ?? String(e),
    ...(err?.hint ? { hint: err.hint } : {}),
  };
}
