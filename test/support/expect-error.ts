import { expect } from 'vitest';
import type { CliResult } from './cli.js';

export interface OneErrorLine {
  /** The documented exit code; left out, any failure (not 0) will do. */
  code?: number;
  /** The error line: a pattern it matches, or (a string) the whole line. */
  match?: RegExp | string;
  /** What the hint line (the line right after the error line) must also match. */
  hint?: RegExp;
  /** stderr holds nothing but the error line and its hint (no notes, no progress). */
  alone?: boolean;
  /** Named first in a failure's message (the case of a loop: its arguments). */
  label?: string;
}

/**
 * How a failed command must end (the CLI's one error handler): the exit code, exactly one `error:` line,
 * the `hint:` line right after it, and no internal error or stack trace. Returns the error line, for a
 * test that reads more out of it. What "nothing partial written" means differs by command: the test checks its files.
 */
export function expectOneErrorLine(r: Pick<CliResult, 'code' | 'stderr'>, o: OneErrorLine = {}): string {
  const lines = r.stderr.split('\n');
  const errors = lines.filter((l) => l.startsWith('error:'));
  const context = `${o.label ? `${o.label}: ` : ''}exit ${r.code}\n${r.stderr}`;
  expect(errors, context).toHaveLength(1);
  const error = errors[0]!;
  if (typeof o.match === 'string') expect(error, context).toBe(o.match);
  else if (o.match) expect(error, context).toMatch(o.match);
  expect(r.stderr, context).not.toMatch(/internal|this is a bug|^\s+at |at .*\.js:\d+/m);
  const hint = lines[lines.indexOf(error) + 1] ?? '';
  expect(hint, context).toMatch(/^hint: \S/);
  if (o.hint) expect(hint, context).toMatch(o.hint);
  if (o.alone) expect(r.stderr.trimEnd().split('\n'), context).toEqual([error, hint]);
  if (o.code === undefined) expect(r.code, context).not.toBe(0);
  else expect(r.code, context).toBe(o.code);
  return error;
}
