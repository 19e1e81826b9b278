import { describe, expect, it } from 'vitest';
import { expectOneErrorLine } from '../support/expect-error.js';

// The e2e tests' one check of a failed command: it must be able to fail on each thing it checks.
const ok = { code: 2, stderr: 'note: using llama3.2\nerror: bad thing\nhint: do y\n' };

describe('expectOneErrorLine', () => {
  it('passes a failed command that printed one error line and its hint, and returns the line', () => {
    expect(expectOneErrorLine(ok, { code: 2, match: /bad/, hint: /do y/ })).toBe('error: bad thing');
    expect(expectOneErrorLine(ok, { match: 'error: bad thing' })).toBe('error: bad thing');
    expect(expectOneErrorLine({ code: 4, stderr: 'error: a\nhint: b\n' }, { alone: true })).toBe('error: a');
  });

  it.each([
    ['another exit code', ok, { code: 3 }],
    ['exit 0 where any failure was expected', { code: 0, stderr: ok.stderr }, {}],
    ['a message that does not match', ok, { match: /good/ }],
    ['a line that is not the whole line given', ok, { match: 'error: bad' }],
    ['a hint that does not match', ok, { hint: /do z/ }],
    ['other lines where the error must stand alone', ok, { alone: true }],
    ['two error lines', { code: 2, stderr: 'error: a\nerror: b\nhint: c\n' }, {}],
    ['no error line', { code: 2, stderr: 'hint: c\n' }, {}],
    ['no hint', { code: 2, stderr: 'error: a\n' }, {}],
    ['a hint that does not follow the error line', { code: 2, stderr: 'error: a\nnote: n\nhint: c\n' }, {}],
    ['an internal error', { code: 1, stderr: 'error: internal: a\nhint: this is a bug\n' }, {}],
    ['a stack trace', { code: 2, stderr: 'error: a\nhint: c\n    at f (/x/y.js:1:2)\n' }, {}],
  ] as const)('fails on %s', (_name, r, o) => {
    expect(() => expectOneErrorLine(r, o)).toThrow();
  });
});
