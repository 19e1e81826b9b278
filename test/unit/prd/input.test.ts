import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PRD_BYTES, readPrd } from '../../../src/prd/input.js';

describe('reading a PRD', () => {
  const d = mkdtempSync(join(tmpdir(), 'tml-prd-'));
  const file = (name: string, content: string | Buffer) => {
    writeFileSync(join(d, name), content);
    return join(d, name);
  };
  it('rejects missing, empty, binary, non-UTF-8 and oversized files with hints', () => {
    expect(() => readPrd(join(d, 'none.txt'))).toThrow(/not found/);
    expect(() => readPrd(d)).toThrow(/not a file/);
    expect(() => readPrd(file('empty.txt', '  \n'))).toThrow(/is empty/);
    expect(() => readPrd(file('bin.txt', Buffer.from([0x89, 0x50, 0x00, 0x01])))).toThrow(/binary/);
    expect(() => readPrd(file('latin.txt', Buffer.from('caf\xe9 cr\xe8me', 'latin1')))).toThrow(/not valid UTF-8/);
    expect(() => readPrd(file('big.txt', 'a'.repeat(MAX_PRD_BYTES + 1)))).toThrow(/limit/);
  });
  it('reads UTF-8 text and strips a BOM', () => {
    expect(readPrd(file('ok.md', '\uFEFF# Café PRD\n')).text).toBe('# Café PRD\n');
  });
});
