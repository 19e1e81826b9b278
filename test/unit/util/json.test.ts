import { describe, expect, it } from 'vitest';
import { parseJsonWithPosition } from '../../../src/util/json.js';

describe('parseJsonWithPosition', () => {
  it('names line and column for every syntax error, also where JSON.parse gives no position', () => {
    expect(parseJsonWithPosition('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    // cut short: Node says only "Unexpected end of JSON input"
    expect(parseJsonWithPosition('{\n  "models": ')).toMatchObject({
      ok: false,
      line: 2,
      column: 13,
      error: expect.stringMatching(/^invalid JSON at line 2, column 13: /),
    });
    expect(parseJsonWithPosition('{"a": 1,}')).toMatchObject({ ok: false, line: 1, column: 9 });
  });
});
