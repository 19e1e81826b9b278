import { redactText } from '../../src/config/redact.js';
import { EXIT } from '../../src/errors.js';
import { toAppError } from '../../src/util/os-errors.js';

const line = (s: string) => {
  const r = redactText(s);
  return r.endsWith('\n') ? r : r + '\n';
};

/**
 * Where command output goes; tests can swap these. Everything printed passes the one redaction
 * (credentials inside URLs, secret query parameters), whichever setting or message carried it.
 */
export const io = {
  out: (s: string) => process.stdout.write(line(s)),
  err: (s: string) => process.stderr.write(line(s)),
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
  // OS and SQLite errors caused by the environment (permissions, full disk, …) are not bugs.
  const app = toAppError(e);
  if (app) {
    if (opts.json) io.out(JSON.stringify({ error: app.toJSON() }, null, 2));
    io.err(`error: ${oneLine(app.message)}`);
    if (app.hint) io.err(`hint: ${oneLine(app.hint)}`);
    if (opts.debug && app.cause) io.err(String((app.cause as Error)?.stack ?? app.cause));
    return app.exitCode;
  }
  if ((e as { code?: string })?.code === 'commander.executeSubCommandAsync') return EXIT.FAILURE;
  const err = e as Error;
  if (opts.json) io.out(JSON.stringify({ error: { code: 'INTERNAL', message: err?.message ?? String(e) } }, null, 2));
  io.err(`error: internal: ${oneLine(err?.message ?? String(e))}`);
  if (opts.debug) io.err(err?.stack ?? '');
  else io.err('hint: this is a bug; rerun with --debug and report the stack trace');
  return EXIT.FAILURE;
}

/** Errors are one line: a message with newlines (a server's text, a zod dump) is folded. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
