import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tightenNumberRules, toGrammarSchema } from '../../../src/models/embedded/grammar-schema.js';

const js = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

describe('toGrammarSchema', () => {
  it('turns a small integer range into an enum the grammar enforces, and keeps wide ones as integer', () => {
    const out = toGrammarSchema(
      js(z.object({ p: z.number().int().min(1).max(5), n: z.number().int(), x: z.number().int().gt(0).lt(4) })),
    );
    const props = out.properties as Record<string, unknown>;
    expect(props.p).toEqual({ enum: [1, 2, 3, 4, 5] });
    expect(props.n).toEqual({ type: 'integer' });
    expect(props.x).toEqual({ enum: [1, 2, 3] });
  });

  it('keeps string lengths and supported formats, drops patterns, forbids extra keys', () => {
    const out = toGrammarSchema(
      js(z.object({ t: z.string().min(2).max(9), e: z.email(), d: z.iso.date(), o: z.string().optional() })),
    );
    expect(out.additionalProperties).toBe(false);
    expect(out.required).toEqual(['t', 'e', 'd']);
    const props = out.properties as Record<string, unknown>;
    expect(props.t).toEqual({ type: 'string', minLength: 2, maxLength: 9 });
    expect(props.e).toEqual({ type: 'string' });
    expect(props.d).toEqual({ type: 'string', format: 'date' });
  });

  it('maps unions, nullables, enums, arrays and records', () => {
    const out = toGrammarSchema(
      js(
        z.object({
          u: z.union([z.string(), z.number()]),
          n: z.string().nullable(),
          e: z.enum(['a', 'b']),
          a: z.array(z.boolean()).min(1).max(3),
          r: z.record(z.string(), z.number()),
        }),
      ),
    );
    const props = out.properties as Record<string, Record<string, unknown>>;
    expect(props.u).toEqual({ oneOf: [{ type: 'string' }, { type: 'number' }] });
    expect(props.n).toEqual({ oneOf: [{ type: 'string' }, { type: 'null' }] });
    expect(props.e).toEqual({ enum: ['a', 'b'] });
    expect(props.a).toEqual({ type: 'array', items: { type: 'boolean' }, minItems: 1, maxItems: 3 });
    expect(props.r).toMatchObject({ type: 'object', properties: {}, additionalProperties: { type: 'number' } });
  });

  it('keeps recursive definitions as $defs references', () => {
    type Node = { name: string; children: Node[] };
    const NodeSchema: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(NodeSchema) }));
    const out = toGrammarSchema(js(z.object({ root: NodeSchema })));
    const defs = out.$defs as Record<string, Record<string, unknown>>;
    const ref = JSON.stringify(out.properties);
    expect(ref).toMatch(/"\$ref":"#\/\$defs\//);
    expect(Object.keys(defs).length).toBeGreaterThan(0);
    expect(JSON.stringify(defs)).toContain('"children"');
  });

  it('gives "any" a JSON shape and keeps descriptions', () => {
    const out = toGrammarSchema(js(z.object({ v: z.any().describe('free value') })));
    const v = (out.properties as Record<string, Record<string, unknown>>).v!;
    expect(Array.isArray(v.oneOf)).toBe(true);
    expect(toGrammarSchema({ type: 'string', description: 'd' })).toEqual({ type: 'string', description: 'd' });
  });
});

describe('tightenNumberRules', () => {
  it('removes the integer exponent, caps integer digits and keeps number exponents finite', () => {
    const gbnf = [
      'integer-number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?',
      'fractional-number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?',
    ].join('\n');
    expect(tightenNumberRules(gbnf).split('\n')).toEqual([
      'integer-number ::= "-"? ("0" | [1-9] [0-9]{0,14})',
      'fractional-number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [1-9] [0-9]?)?',
    ]);
    expect(tightenNumberRules('root ::= "x"')).toBe('root ::= "x"');
  });
});
