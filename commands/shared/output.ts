import { isAppError } from '../../src/errors.js';

/** Where command output goes; tests can swap these. */
export const io = {
  out: (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n'),
  err: (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
};

export function printJson(value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** Whether to draw live views: a TTY, not CI, not --json. */
export function interactive(json?: boolean): boolean {
  return !json && Boolean(process.stdout.isTTY) && !process.env.CI;
}

/**
 * The one top-level error handler: `error: message` + `hint: …` on stderr, a JSON error on stdout
 * under --json, and the error's exit code. Unknown errors are bugs: stack only under --debug.
 */
export function handleError(e: unknown, opts: { json?: boolean; debug?: boolean } = {}): number {
  if (isAppError(e)) {
    if (opts.json) io.out(JSON.stringify({ error: e.toJSON() }, null, 2));
    io.err(`error: ${e.message}`);
    if (e.hint) io.err(`hint: ${e.hint}`);
    if (opts.debug && e.cause) io.err(String((e.cause as Error)?.stack ?? e.cause));
    return e.exitCode;
  }
  if ((e as { code?: string })?.code === 'commander.executeSubCommandAsync') return 1;
  const err = e as Error;
  if (opts.json) io.out(JSON.stringify({ error: { code: 'INTERNAL', message: err?.message ?? String(e) } }, null, 2));
  io.err(`error: internal: ${err?.message ?? String(e)}`);
  if (opts.debug) io.err(err?.stack ?? '');
  else io.err('hint: this is a bug; rerun with --debug and report the stack trace');
  return 1;
}
