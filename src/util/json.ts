import { jsonErrorOffset, lineColumn } from './json-position.js';

/**
 * JSON.parse that reports line and column instead of a byte offset, for every syntax error (Node's
 * message omits the position for many of them, e.g. a file cut short; the scanner finds it then).
 */
export function parseJsonWithPosition(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: string; line?: number; column?: number } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const at = m ? Number(m[1]) : jsonErrorOffset(text);
    if (at < 0) return { ok: false, error: `invalid JSON: ${msg}` };
    const { line, column } = lineColumn(text, at);
    const short = msg.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)/, '');
    return { ok: false, error: `invalid JSON at line ${line}, column ${column}: ${short}`, line, column };
  }
}
