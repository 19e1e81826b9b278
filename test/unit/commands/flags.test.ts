import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { intFlag, jsonFlag, modeFlag, parseFlags } from '../../../commands/shared/flags.js';
import { ValidationError } from '../../../src/errors.js';

const Options = z
  .object({
    file: z.string().min(1).optional(),
    maxDepth: intFlag(1, 6).default(2),
    fitnessCommand: z.string().min(1).optional(),
    target: z.enum(['models']).optional(),
    k: intFlag(1, 500).optional(),
    outcome: jsonFlag(z.object({ success: z.boolean() })).optional(),
    tag: z.string().regex(/^\w+$/, 'letters, digits and underscore only').optional(),
    mode: modeFlag,
  })
  .strict();

function message(raw: Record<string, unknown>, command = 'parse-prd') {
  try {
    parseFlags(Options, raw, { command, positional: ['file'] });
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const v = e as ValidationError;
    expect(v.exitCode).toBe(2);
    return `${v.message} | ${v.hint}`;
  }
  throw new Error('no error');
}

describe('zod option errors become flag messages in one place', () => {
  it('names the kebab-case flag, the bound that failed and the command help', () => {
    expect(message({ maxDepth: '9' })).toBe('--max-depth: must be ≤ 6 | see `task-master-local parse-prd --help`');
    expect(message({ maxDepth: '0' })).toBe('--max-depth: must be ≥ 1 | see `task-master-local parse-prd --help`');
    expect(message({ maxDepth: 'x' })).toMatch(/^--max-depth: must be a number \|/);
    expect(message({ maxDepth: '1.5' })).toMatch(/^--max-depth: must be a whole number \|/);
    expect(message({ fitnessCommand: '' }, 'optimize')).toBe(
      '--fitness-command: must not be empty | see `task-master-local optimize --help`',
    );
  });

  it('lists allowed values, keeps custom messages, names positionals and unknown options', () => {
    expect(message({ target: 'model' })).toMatch(/^--target: must be one of models \|/);
    expect(message({ tag: 'a b' })).toMatch(/^--tag: letters, digits and underscore only \|/);
    expect(message({ file: '' })).toMatch(/^<file>: must not be empty \|/);
    // a positional's message quotes the word given (the user may not know which argument it is)
    expect(() => parseFlags(Options, { target: 'modles' }, { command: 'optimize', positional: ['target'] })).toThrow(
      "<target> 'modles': must be one of models",
    );
    expect(message({ fitnessCommand: 'x', fooBar: 1 })).toMatch(/^unknown option --foo-bar \|/);
    expect(message({ k: '0' }, 'improve recommend')).toBe(
      '-k: must be ≥ 1 | see `task-master-local improve recommend --help`',
    );
  });

  it('JSON flags: not JSON, or a bad field named inside the flag', () => {
    expect(parseFlags(Options, { outcome: '{"success": true}' }, 'x').outcome).toEqual({ success: true });
    expect(message({ outcome: '{bad' })).toMatch(/^--outcome: not JSON \(.+\); quote it/);
    expect(message({ outcome: '{"success": "yes"}' })).toMatch(/^--outcome: success: must be true or false \|/);
  });

  it('--mode: normalises spellings; a bad value is one line listing the five modes', () => {
    expect(parseFlags(Options, { mode: 'hybrid' }, 'x').mode).toBe('HYBRID');
    expect(parseFlags(Options, { mode: 'local-only' }, 'x').mode).toBe('LOCAL_ONLY');
    expect(parseFlags(Options, { mode: 'External_Preferred' }, 'x').mode).toBe('EXTERNAL_PREFERRED');
    const m = message({ mode: 'cloud' }, 'research');
    expect(m).toBe(
      '--mode: must be one of LOCAL_ONLY, EXTERNAL_ONLY, HYBRID, LOCAL_PREFERRED, EXTERNAL_PREFERRED | see `task-master-local research --help`',
    );
    expect(m).not.toContain('\n');
  });
});
