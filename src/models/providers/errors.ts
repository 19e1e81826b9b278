import { hostOf } from '../../config/hosts.js';
import { isAppError, ProviderError, type AppError } from '../../errors.js';
import type { ProviderKind } from '../types.js';

/** Human name of each server kind, for messages. */
export const SERVER_NAME: Record<ProviderKind, string> = {
  ollama: 'Ollama',
  lmstudio: 'LM Studio',
  localai: 'LocalAI',
  'openai-compatible': 'the OpenAI-compatible server',
  'llama-cpp': 'the embedded llama.cpp runtime',
  anthropic: 'Anthropic',
  openai: 'OpenAI',
  perplexity: 'Perplexity',
};

const START_HINT: Partial<Record<ProviderKind, string>> = {
  ollama: 'start it with `ollama serve`',
  lmstudio: 'start LM Studio and its local server (Developer tab), or run `lms server start`',
  localai: 'start LocalAI (e.g. `local-ai run`) or check LOCAL_AI_HOST',
  'openai-compatible': 'start the server or check its endpoint URL',
};

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ETIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function errorCodes(e: unknown, depth = 0): string[] {
  if (!e || typeof e !== 'object' || depth > 4) return [];
  const o = e as { code?: unknown; cause?: unknown; errors?: unknown[] };
  const own = typeof o.code === 'string' ? [o.code] : [];
  return [...own, ...errorCodes(o.cause, depth + 1), ...(o.errors ?? []).flatMap((x) => errorCodes(x, depth + 1))];
}

function describe(e: unknown, depth = 0): string {
  if (!e || typeof e !== 'object' || depth > 4) return '';
  const o = e as { message?: unknown; address?: unknown; cause?: unknown; errors?: unknown[] };
  return [
    String(o.message ?? ''),
    String(o.address ?? ''),
    describe(o.cause, depth + 1),
    ...(o.errors ?? []).map((x) => describe(x, depth + 1)),
  ].join(' ');
}

/** Maps a fetch/network failure to a ProviderError; undefined when `e` is not one. */
export function networkError(e: unknown, kind: ProviderKind, endpoint: string): ProviderError | undefined {
  if (isAppError(e)) return undefined;
  const codes = errorCodes(e);
  const name = SERVER_NAME[kind];
  const text = describe(e);
  const unreachable = codes.find((c) => UNREACHABLE_CODES.has(c));
  if (unreachable || (codes.length === 0 && /fetch failed/i.test(text))) {
    const onV6 = hostOf(endpoint) === 'localhost' && /::1/.test(text);
    const dns = unreachable === 'ENOTFOUND' || unreachable === 'EAI_AGAIN';
    const hint = onV6
      ? `localhost resolved to ::1 but the server listens on IPv4; use http://127.0.0.1 instead of localhost`
      : dns
        ? `the host name ${hostOf(endpoint)} does not resolve; check the endpoint URL`
        : (START_HINT[kind] ?? 'check your network connection and the endpoint URL');
    return new ProviderError(
      'PROVIDER_UNREACHABLE',
      `${capital(name)} is not reachable at ${endpoint}${unreachable ? ` (${unreachable})` : ''}`,
      { hint, cause: e, details: { endpoint, kind, code: unreachable } },
    );
  }
  const reset = codes.find((c) => RESET_CODES.has(c));
  if (reset || /terminated|socket hang up|other side closed/i.test(text)) {
    return new ProviderError(
      'PROVIDER_ERROR',
      `the connection to ${name} at ${endpoint} was reset${reset ? ` (${reset})` : ''}`,
      {
        retryable: true,
        hint: 'the server may have crashed or restarted; try again',
        cause: e,
        details: { endpoint, kind, code: reset },
      },
    );
  }
  return undefined;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const MODEL_HINT: Partial<Record<ProviderKind, (m: string) => string>> = {
  ollama: (m) => `run \`ollama pull ${m}\``,
  lmstudio: (m) => `load it with \`lms load ${m}\` (or in LM Studio's Developer tab)`,
  localai: (m) =>
    `install it in LocalAI (e.g. \`local-ai models install ${m}\`); \`GET /v1/models\` lists what is served`,
};

const KEY_VAR: Partial<Record<ProviderKind, string>> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  perplexity: 'PERPLEXITY_API_KEY',
};

/**
 * Maps an HTTP error answer (status + server message) to a ProviderError: missing models,
 * LM Studio with nothing loaded, out-of-memory loads, auth failures, and retryable 408/409/429/5xx.
 */
export function httpError(
  kind: ProviderKind,
  endpoint: string,
  status: number | undefined,
  message: string,
  model?: string,
): ProviderError {
  const name = SERVER_NAME[kind];
  const details = { endpoint, kind, status, model };
  const msg = message.trim().replace(/\s+/g, ' ').slice(0, 500) || `HTTP ${status}`;
  if (/no models loaded/i.test(msg)) {
    return new ProviderError('MODEL_NOT_FOUND', `${name} at ${endpoint} has no model loaded`, {
      status,
      details,
      hint: `load one with \`lms load ${model ?? '<model>'}\` (or in LM Studio's Developer tab)`,
    });
  }
  if (status === 404 || /invalid model identifier|model ['"].*['"] not found|model_not_found/i.test(msg)) {
    const m = model ?? 'the model';
    return new ProviderError('MODEL_NOT_FOUND', `model ${m} is not available on ${name} at ${endpoint}: ${msg}`, {
      status,
      details,
      hint: MODEL_HINT[kind]?.(m) ?? 'check the model id; `task-master-local models` lists the models each server has',
    });
  }
  if (status === 503 && /loading model|model is loading|startup preload/i.test(msg)) {
    // llama.cpp server answers 503 "Loading model" to everything until its model is in memory.
    return new ProviderError('PROVIDER_ERROR', `${name} at ${endpoint} is still loading its model`, {
      status,
      retryable: true,
      details: { ...details, loading: true },
      hint: 'the load is waited for (up to local.timeouts.requestMs); a very large model may need longer',
    });
  }
  if (/requires more system memory|out of memory|insufficient memory/i.test(msg)) {
    return new ProviderError('PROVIDER_ERROR', `${name} could not load ${model ?? 'the model'}: ${msg}`, {
      status,
      details,
      hint: 'use a smaller model or a smaller quantization (e.g. q4), or lower the context length',
    });
  }
  if (status === 401 || status === 403) {
    const v = KEY_VAR[kind];
    return new ProviderError('PROVIDER_ERROR', `${name} at ${endpoint} refused the credentials (HTTP ${status})`, {
      status,
      details,
      hint: v ? `check ${v}` : 'check the API key the server expects',
    });
  }
  const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
  return new ProviderError(
    'PROVIDER_ERROR',
    `${name} at ${endpoint} answered${status ? ` HTTP ${status}` : ''}: ${msg}`,
    {
      status,
      retryable,
      details,
      hint: retryable
        ? 'the server is busy or failing; it will be retried'
        : 'the request was rejected; check the model settings',
    },
  );
}

/** The error when a stream ends before its final chunk. */
export function truncatedStream(kind: ProviderKind, endpoint: string): ProviderError {
  return new ProviderError(
    'PROVIDER_ERROR',
    `truncated stream: ${SERVER_NAME[kind]} at ${endpoint} closed the answer before it was complete`,
    {
      retryable: true,
      hint: 'the server may have crashed or been restarted; try again',
      details: { endpoint, kind },
    },
  );
}

/** Reads a server error body (string or object shape, or plain text) into one message. */
export function errorBodyMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    const e = j.error;
    if (typeof e === 'string') return e;
    if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string')
      return (e as { message: string }).message;
    if (typeof j.message === 'string') return j.message;
    if (typeof j.detail === 'string') return j.detail;
  } catch {
    /* not JSON: the text itself is the message */
  }
  return text;
}

/** Replaces any occurrence of a secret in an error's text, so keys never reach output. */
export function redact<E extends AppError>(e: E, secret: string | undefined): E {
  if (!secret || !e.message.includes(secret)) return e;
  Object.defineProperty(e, 'message', { value: e.message.split(secret).join('***') });
  return e;
}
