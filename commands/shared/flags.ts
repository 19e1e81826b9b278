/**
 * The one place a zod option error becomes a flag message: `--max-depth: must be ≤ 6` plus the
 * command's `--help` hint. Every command parses its options with `parseFlags`, so flags read the
 * same everywhere (kebab-case, the bound that failed, the values allowed).
 */
import { z } from 'zod';
import { DEPLOYMENT_MODES, type DeploymentMode } from '../../src/config/vocabulary.js';
import { ValidationError } from '../../src/errors.js';

/** `maxDepth` → `max-depth`. */
export const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

type Issue = z.core.$ZodIssue;

/** What went wrong with one value, in words (the bound, the allowed values), without the flag name. */
export function issueText(i: Issue): string {
  const any = i as Issue & { origin?: string; minimum?: unknown; maximum?: unknown; inclusive?: boolean };
  switch (i.code) {
    case 'too_big':
      if (any.origin === 'string') return `at most ${String(any.maximum)} characters`;
      if (any.origin === 'array') return `at most ${String(any.maximum)} values`;
      return `must be ${any.inclusive === false ? '<' : '≤'} ${String(any.maximum)}`;
    case 'too_small':
      if (any.origin === 'string')
        return Number(any.minimum) <= 1 ? 'must not be empty' : `at least ${String(any.minimum)} characters`;
      if (any.origin === 'array') return `at least ${String(any.minimum)} value(s)`;
      return `must be ${any.inclusive === false ? '>' : '≥'} ${String(any.minimum)}`;
    case 'invalid_type':
      if (i.expected === 'int') return 'must be a whole number';
      if (i.expected === 'number') return 'must be a number';
      if (i.expected === 'boolean') return 'must be true or false';
      return `must be a ${i.expected}`;
    case 'invalid_value':
      return `must be one of ${i.values.map(String).join(', ')}`;
    case 'invalid_format':
    case 'custom':
      return i.message;
    default:
      return i.message;
  }
}

export interface FlagContext {
  /** The command as typed after the program name, for the hint: `parse-prd`, `research add`. */
  command: string;
  /** Keys that are positional arguments, not flags: their messages name the argument (`<spec>`). */
  positional?: readonly string[];
}

/** The ValidationError for the first zod issue, worded as a flag message. */
export function flagError(error: z.ZodError, ctx: FlagContext): ValidationError {
  const i = error.issues[0]!;
  const hint = `see \`task-master-local ${ctx.command} --help\``;
  if (i.code === 'unrecognized_keys')
    return new ValidationError(`unknown option ${i.keys.map((k) => `--${kebab(k)}`).join(', ')}`, { hint });
  const key = String(i.path[0] ?? '');
  const positional = ctx.positional?.includes(key);
  // A positional's message quotes the word given: the user may not know which argument `<action>` is.
  const given = positional && typeof i.input === 'string' && i.input ? ` '${i.input}'` : '';
  const name = positional ? `<${kebab(key)}>${given}` : key.length === 1 ? `-${key}` : `--${kebab(key)}`;
  // A field inside a JSON flag (`--outcome '{"success": 1}'`) is named after the flag.
  const inner = i.path.slice(1).map(String).join('.');
  return new ValidationError(`${name}: ${inner ? `${inner}: ` : ''}${issueText(i)}`, { hint });
}

/** Parses commander's options (plus positionals merged in) with `schema`; a bad flag is a one-line ValidationError. */
export function parseFlags<T extends z.ZodType>(schema: T, raw: unknown, ctx: FlagContext | string): z.infer<T> {
  const r = schema.safeParse(raw, { reportInput: true });
  if (r.success) return r.data;
  throw flagError(r.error, typeof ctx === 'string' ? { command: ctx } : ctx);
}

/** A whole number flag within bounds (commander hands strings). */
export const intFlag = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/** A flag whose value is JSON validated by `schema` (`--outcome '{"success": true}'`); not JSON is a flag error too. */
export function jsonFlag<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `not JSON (${(e as Error).message}); quote it: '{"key": 1}'` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/**
 * `--mode <mode>`: the deployment mode for this run only (flag > env > config file). `local-only` and
 * `local_only` are accepted as `LOCAL_ONLY`; anything else lists the five modes.
 */
export const modeFlag = z
  .string()
  .transform((v) => v.trim().toUpperCase().replace(/-/g, '_'))
  .pipe(z.enum(DEPLOYMENT_MODES as [DeploymentMode, ...DeploymentMode[]]))
  .optional();

/** Help text of `--mode`, the same on every command that calls a model. */
export const MODE_HELP = `deployment mode for this run only: ${DEPLOYMENT_MODES.join(', ')} (overrides env and config.json)`;
