/** JSON.parse that reports line and column instead of a byte offset. */
export function parseJsonWithPosition(
  text: string,
  _name = 'input',
): { ok: true; value: unknown } | { ok: false; error: string; line?: number; column?: number } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const column = pos - before.lastIndexOf('\n');
      const short = msg.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)/, '');
      return { ok: false, error: `invalid JSON at line ${line}, column ${column}: ${short}`, line, column };
    }
    return { ok: false, error: `invalid JSON: ${msg}` };
  }
}
