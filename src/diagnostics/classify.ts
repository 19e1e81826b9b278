import { createHash } from 'node:crypto';
import { isAppError } from '../errors.js';
import type { ClassifiedFailure, FailureContext, FailureKind, FailureType, SeverityLevel } from './types.js';

/** Facts gathered from an error and its `cause` chain. */
export interface ErrorFacts {
  message: string;
  /** Every message in the chain, joined; rules match against it. */
  text: string;
  codes: string[];
  status?: number;
  appCode?: string;
  details: Record<string, unknown>;
}

/** Walks an error's cause chain (AppError, undici TypeError, SqliteError, ollama ResponseError, strings). */
export function errorFacts(error: unknown): ErrorFacts {
  const messages: string[] = [];
  const codes: string[] = [];
  let status: number | undefined;
  let appCode: string | undefined;
  let details: Record<string, unknown> = {};
  let cur: unknown = error;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    if (typeof cur !== 'object') {
      messages.push(String(cur));
      break;
    }
    const e = cur as Record<string, unknown>;
    if (typeof e.message === 'string' && e.message) messages.push(e.message);
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.errno === 'string') codes.push(e.errno);
    const st = [e.status, e.status_code, e.statusCode].find((v) => typeof v === 'number') as number | undefined;
    if (status === undefined && st !== undefined) status = st;
    if (isAppError(cur)) {
      appCode ??= cur.code;
      details = { ...(cur.details ?? {}), ...details };
    }
    if (typeof e.address === 'string') messages.push(`address ${e.address}`);
    // AggregateError (happy-eyeballs connect failures) hides the per-address errors in .errors
    if (Array.isArray(e.errors)) for (const sub of e.errors) messages.push(errorFacts(sub).text);
    cur = e.cause;
  }
  if (status === undefined && typeof details.status === 'number') status = details.status;
  const message = messages[0] ?? 'unknown error';
  return { message, text: messages.join(' | '), codes, status, appCode, details };
}

interface Rule {
  kind: FailureKind;
  type: FailureType;
  severity: SeverityLevel;
  test: (f: ErrorFacts) => boolean;
}

const has = (f: ErrorFacts, ...codes: string[]) => codes.some((c) => f.codes.includes(c) || f.appCode === c);
const says = (f: ErrorFacts, re: RegExp) => re.test(f.text);

// Order matters: the most specific signature wins (e.g. ::1 refusal before a plain refusal).
const RULES: Rule[] = [
  { kind: 'privacy_refused', type: 'SYSTEM_ERROR', severity: 'HIGH', test: (f) => has(f, 'PRIVACY_REFUSED') },
  {
    kind: 'config_invalid',
    type: 'SYSTEM_ERROR',
    severity: 'HIGH',
    test: (f) => has(f, 'CONFIG_INVALID', 'CONFIG_PARSE'),
  },
  {
    kind: 'out_of_memory',
    type: 'RESOURCE_EXHAUSTION',
    severity: 'HIGH',
    test: (f) =>
      says(f, /requires more system memory|out of memory|failed to allocate|insufficient memory|cudaMalloc|ENOMEM/i),
  },
  {
    kind: 'disk_full',
    type: 'RESOURCE_EXHAUSTION',
    severity: 'CRITICAL',
    test: (f) => has(f, 'ENOSPC', 'SQLITE_FULL') || says(f, /no space left on device|database or disk is full/i),
  },
  {
    kind: 'db_corrupt',
    type: 'SYSTEM_ERROR',
    severity: 'CRITICAL',
    test: (f) =>
      f.codes.some((c) => /^SQLITE_(CORRUPT|NOTADB)/.test(c)) ||
      says(f, /database disk image is malformed|file is not a database|database .* is damaged/i),
  },
  {
    kind: 'db_busy',
    type: 'RESOURCE_EXHAUSTION',
    severity: 'MEDIUM',
    test: (f) =>
      f.codes.some((c) => /^SQLITE_(BUSY|LOCKED)/.test(c)) || says(f, /database is locked|database table is locked/i),
  },
  { kind: 'tasks_file', type: 'SYSTEM_ERROR', severity: 'HIGH', test: (f) => has(f, 'TASKS_FILE') },
  { kind: 'circuit_open', type: 'SYSTEM_ERROR', severity: 'MEDIUM', test: (f) => has(f, 'CIRCUIT_OPEN') },
  {
    kind: 'ipv6_localhost',
    type: 'SYSTEM_ERROR',
    severity: 'HIGH',
    test: (f) => has(f, 'ECONNREFUSED') && says(f, /(^|[\s[])::1(\]|:\d|\s|$)/),
  },
  {
    kind: 'server_unreachable',
    type: 'SYSTEM_ERROR',
    severity: 'HIGH',
    test: (f) =>
      has(f, 'ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'PROVIDER_UNREACHABLE') ||
      says(f, /bad port/i),
  },
  { kind: 'no_model_loaded', type: 'MODEL_FAILURE', severity: 'HIGH', test: (f) => says(f, /no models loaded/i) },
  {
    kind: 'context_overflow',
    type: 'RESOURCE_EXHAUSTION',
    severity: 'MEDIUM',
    test: (f) =>
      says(
        f,
        /exceeds the context length|context length of only|n_keep.*>=\s*n_ctx|maximum context length|context (window|overflow)|too many tokens/i,
      ),
  },
  {
    kind: 'context_truncated',
    type: 'MODEL_FAILURE',
    severity: 'MEDIUM',
    test: (f) => f.details.truncated === true || says(f, /context (was )?truncated|truncating input/i),
  },
  {
    kind: 'model_not_found',
    type: 'MODEL_FAILURE',
    severity: 'HIGH',
    test: (f) =>
      has(f, 'MODEL_NOT_FOUND', 'model_not_found') ||
      f.status === 404 ||
      says(f, /model ['"].*['"] not found|try pulling it first|invalid model identifier|model .* not found/i),
  },
  {
    kind: 'server_busy',
    type: 'RESOURCE_EXHAUSTION',
    severity: 'MEDIUM',
    test: (f) => f.status === 503 || f.status === 429 || says(f, /server busy|too many requests|rate limit/i),
  },
  {
    kind: 'timeout',
    type: 'PERFORMANCE_DEGRADATION',
    severity: 'MEDIUM',
    test: (f) =>
      has(f, 'TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'TimeoutError') ||
      says(f, /timed out|timeout/i),
  },
  {
    kind: 'truncated_output',
    type: 'MODEL_FAILURE',
    severity: 'MEDIUM',
    test: (f) =>
      (has(f, 'MODEL_OUTPUT_INVALID') || says(f, /JSON/)) &&
      says(f, /truncat|cut off|unexpected end|unterminated|finish_?reason.{0,4}length|done_reason.{0,4}length/i),
  },
  {
    kind: 'invalid_output',
    type: 'MODEL_FAILURE',
    severity: 'MEDIUM',
    test: (f) => has(f, 'MODEL_OUTPUT_INVALID') || says(f, /invalid json|unexpected token|not valid json|schema/i),
  },
  {
    kind: 'stream_error',
    type: 'SYSTEM_ERROR',
    severity: 'MEDIUM',
    // An error status means the server refused before streaming; this kind is for streams that broke.
    test: (f) =>
      (f.status === undefined || f.status < 400) &&
      (has(f, 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET') ||
        says(
          f,
          /did not receive done|socket hang up|terminated|stream (ended|closed)|error was encountered while running the model/i,
        )),
  },
  {
    kind: 'http_error',
    type: 'SYSTEM_ERROR',
    severity: 'MEDIUM',
    test: (f) => (f.status !== undefined && f.status >= 400) || has(f, 'PROVIDER_ERROR'),
  },
  { kind: 'no_model_available', type: 'MODEL_FAILURE', severity: 'HIGH', test: (f) => has(f, 'NO_MODEL_AVAILABLE') },
];

/** Lowercased, numbers and quoted ids folded, so repeats of one problem share a fingerprint. */
export function normaliseMessage(message: string): string {
  return message
    .toLowerCase()
    .replace(/[0-9a-f]{8,}/g, '<hex>')
    .replace(/\d+(\.\d+)?/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** Stable short id of a failure: kind, place (provider, endpoint, model) and normalised message. */
export function fingerprint(kind: FailureKind, ctx: FailureContext, message: string): string {
  const key = [kind, ctx.provider ?? '', ctx.endpoint ?? '', ctx.model ?? '', normaliseMessage(message)].join('\u0000');
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Classifies any error into a FailureType, a finer kind and a severity, with a grouping fingerprint. */
export function classifyFailure(error: unknown, context: FailureContext): ClassifiedFailure {
  const facts = errorFacts(error);
  const rule = RULES.find((r) => r.test(facts));
  const kind: FailureKind = rule?.kind ?? 'unknown';
  const ctx: FailureContext = { ...context };
  // Endpoints named in error details (e.g. by a provider) count as the place of the failure.
  if (!ctx.endpoint && typeof facts.details.endpoint === 'string') ctx.endpoint = facts.details.endpoint;
  if (!ctx.model && typeof facts.details.model === 'string') ctx.model = facts.details.model;
  return {
    type: rule?.type ?? 'SYSTEM_ERROR',
    kind,
    severity: rule?.severity ?? 'MEDIUM',
    message: facts.message.split('\n')[0]!.slice(0, 500),
    code: facts.appCode ?? facts.codes[0],
    status: facts.status,
    fingerprint: fingerprint(kind, ctx, facts.message),
    context: ctx,
  };
}
