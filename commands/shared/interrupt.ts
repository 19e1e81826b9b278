/**
 * Ctrl-C for long commands, wired once: SIGINT aborts the signal handed to the use case, which stops
 * cleanly and throws ABORTED saying what it kept; the CLI's one handler prints that line (plus the
 * hint) and exits 130. A second Ctrl-C falls through to Node's default and ends the process at once.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  const onSigint = () => ctl.abort();
  process.once('SIGINT', onSigint);
  try {
    return await fn(ctl.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
