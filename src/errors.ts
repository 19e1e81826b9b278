/**
 * Errors that reach users. Every error the core throws on purpose is an AppError with a stable
 * `code`, a one-line `message` and an actionable `hint`. The CLI prints `error: <message>` and
 * `hint: <hint>` and maps `exitCode`; anything that is not an AppError is a bug.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_PARSE'
  | 'USAGE'
  | 'NOT_FOUND'
  | 'VALIDATION'
  | 'PROVIDER_UNREACHABLE'
  | 'PROVIDER_ERROR'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_OUTPUT_INVALID'
  | 'NO_MODEL_AVAILABLE'
  | 'PRIVACY_REFUSED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'CIRCUIT_OPEN'
  | 'STORAGE'
  | 'TASKS_FILE'
  | 'CONFLICT'
  | 'FORWARD'
  | 'FILE_ACCESS'
  | 'DISK_FULL'
  | 'READ_ONLY'
  | 'IO_ERROR'
  | 'RESOURCE_LIMIT'
  | 'LOCKED'
  | 'INTERNAL';

/**
 * The exit codes every command uses, and the README's "Exit codes" table: 1 is any failure
 * without a more precise code (including bugs), never bad input or a missing server.
 */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  BAD_INPUT: 2,
  PRIVACY_REFUSED: 3,
  NO_MODEL: 4,
  DISK: 5,
  INTERRUPTED: 130,
} as const;

export interface AppErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Structured facts for --json output, failure records and diagnosis. */
  details?: Record<string, unknown>;
}

/** Base class of every deliberate error in task-master-local. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  /** Exit code the CLI uses for this error (see EXIT). */
  get exitCode(): number {
    return EXIT_CODES[this.code] ?? EXIT.FAILURE;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  USAGE: EXIT.BAD_INPUT,
  CONFIG_INVALID: EXIT.BAD_INPUT,
  CONFIG_PARSE: EXIT.BAD_INPUT,
  VALIDATION: EXIT.BAD_INPUT,
  NOT_FOUND: EXIT.BAD_INPUT,
  CONFLICT: EXIT.BAD_INPUT,
  TASKS_FILE: EXIT.BAD_INPUT,
  FILE_ACCESS: EXIT.BAD_INPUT,
  PRIVACY_REFUSED: EXIT.PRIVACY_REFUSED,
  PROVIDER_UNREACHABLE: EXIT.NO_MODEL,
  MODEL_NOT_FOUND: EXIT.NO_MODEL,
  NO_MODEL_AVAILABLE: EXIT.NO_MODEL,
  TIMEOUT: EXIT.NO_MODEL,
  CIRCUIT_OPEN: EXIT.NO_MODEL,
  DISK_FULL: EXIT.DISK,
  READ_ONLY: EXIT.DISK,
  IO_ERROR: EXIT.DISK,
  ABORTED: EXIT.INTERRUPTED,
};

/** config.json or flags are wrong. */
export class ConfigError extends AppError {}
/** User input (argv, files, specs) is wrong. */
export class ValidationError extends AppError {
  constructor(message: string, opts: AppErrorOptions = {}) {
    super('VALIDATION', message, opts);
  }
}
/** A model server failed: unreachable, HTTP error, bad stream, timeout. */
export class ProviderError extends AppError {
  /** HTTP status when the server answered with one. */
  readonly status?: number;
  /** Whether retrying the same call may succeed (5xx, 429, 503 busy, network resets). */
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, opts: AppErrorOptions & { status?: number; retryable?: boolean } = {}) {
    super(code, message, opts);
    this.status = opts.status;
    this.retryable = opts.retryable ?? false;
  }
}
/** The SQLite file or task-master's files could not be read or written. */
export class StorageError extends AppError {}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/**
 * No model can take the call: none is reachable (NO_MODEL_AVAILABLE, exit 4), or the mode refused
 * the configured roles and no local model is reachable instead (PRIVACY_REFUSED with details.noModel,
 * exit 3). The offline answers (structural planner, heuristic scores, extractive research) take both;
 * a command that must have a model keeps the code.
 */
export function isNoModel(e: unknown): e is AppError {
  return (
    e instanceof AppError && (e.code === 'NO_MODEL_AVAILABLE' || (e.code === 'PRIVACY_REFUSED' && !!e.details?.noModel))
  );
}

/**
 * The one builder of ABORTED errors: work cancelled by an AbortSignal (Ctrl-C, a sibling's failure).
 * The signal's reason is kept as the cause, so a caller can still find what stopped the work.
 */
export function abortedError(
  signal?: AbortSignal,
  message = 'the operation was cancelled',
  hint?: string,
  details?: Record<string, unknown>,
): AppError {
  return new AppError('ABORTED', message, {
    hint: hint ?? 'the operation was interrupted; run it again to resume',
    cause: signal?.reason,
    ...(details ? { details } : {}),
  });
}

/** True when `e` is an abort (AbortSignal fired), whatever library raised it. */
export function isAbortError(e: unknown): boolean {
  if (e instanceof AppError) return e.code === 'ABORTED';
  const name = (e as { name?: string } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}
