/**
 * Turns the JSON Schema that zod produces into the subset node-llama-cpp compiles into a GBNF
 * grammar. What the grammar cannot enforce (patterns, numeric bounds, exclusive ranges) is
 * dropped here and still checked afterwards by the model API's zod validation, which re-asks.
 * Known caveats (reference/storage-and-inference.md §2): `integer` admits exponents, and
 * `maxLength` counts code points while zod counts UTF-16 units.
 */

type Json = Record<string, unknown>;

/** Integer ranges up to this size become an enum, which the grammar enforces exactly. */
const MAX_INT_ENUM = 64;
const PRIMITIVES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const STRING_FORMATS = new Set(['date', 'time', 'date-time']);

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function withDescription(out: Json, src: Json): Json {
  if (typeof src.description === 'string') out.description = src.description;
  return out;
}

function integerSchema(s: Json): Json {
  const lo = typeof s.exclusiveMinimum === 'number' ? Math.floor(s.exclusiveMinimum) + 1 : s.minimum;
  const hi = typeof s.exclusiveMaximum === 'number' ? Math.ceil(s.exclusiveMaximum) - 1 : s.maximum;
  if (typeof lo === 'number' && typeof hi === 'number' && hi >= lo && hi - lo < MAX_INT_ENUM) {
    const values: number[] = [];
    for (let i = Math.ceil(lo); i <= hi; i++) values.push(i);
    return { enum: values };
  }
  return { type: 'integer' };
}

function stringSchema(s: Json): Json {
  if (typeof s.format === 'string' && STRING_FORMATS.has(s.format)) return { type: 'string', format: s.format };
  const out: Json = { type: 'string' };
  if (typeof s.minLength === 'number') out.minLength = s.minLength;
  if (typeof s.maxLength === 'number') out.maxLength = s.maxLength;
  return out;
}

/** Converts one schema node; `defs` keeps $defs names resolvable. */
function convert(s: unknown): Json {
  if (s === true || !isObj(s) || Object.keys(s).length === 0) return anyJson();
  if (typeof s.$ref === 'string') {
    const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(s.$ref);
    return m ? withDescription({ $ref: `#/$defs/${m[1]}` }, s) : anyJson();
  }
  if ('const' in s) return withDescription({ const: s.const }, s);
  if (Array.isArray(s.enum))
    return withDescription({ enum: s.enum.filter((v) => v === null || typeof v !== 'object') }, s);
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) return withDescription({ oneOf: union.map(convert) }, s);
  if (Array.isArray(s.allOf) && s.allOf.length === 1)
    return convert({ ...s, allOf: undefined, ...(s.allOf[0] as Json) });
  if (Array.isArray(s.type)) {
    const types = s.type.filter((t): t is string => typeof t === 'string');
    if (types.every((t) => PRIMITIVES.has(t) && t !== 'integer' && t !== 'string'))
      return withDescription({ type: types }, s);
    return withDescription({ oneOf: types.map((t) => convert({ ...s, type: t })) }, s);
  }
  switch (s.type) {
    case 'integer':
      return withDescription(integerSchema(s), s);
    case 'string':
      return withDescription(stringSchema(s), s);
    case 'number':
    case 'boolean':
    case 'null':
      return withDescription({ type: s.type }, s);
    case 'array': {
      const out: Json = { type: 'array' };
      if (Array.isArray(s.prefixItems)) out.prefixItems = s.prefixItems.map(convert);
      if (s.items !== undefined && s.items !== false) out.items = convert(s.items);
      if (typeof s.minItems === 'number') out.minItems = s.minItems;
      if (typeof s.maxItems === 'number') out.maxItems = s.maxItems;
      return withDescription(out, s);
    }
    default: {
      if (s.type === undefined && !isObj(s.properties)) return anyJson();
      const props = isObj(s.properties) ? s.properties : {};
      const out: Json = {
        type: 'object',
        properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, convert(v)])),
      };
      if (Array.isArray(s.required)) out.required = s.required.filter((k) => typeof k === 'string' && k in props);
      // Extra keys would be stripped by zod anyway; forbidding them keeps the model on task.
      out.additionalProperties = isObj(s.additionalProperties) ? convert(s.additionalProperties) : false;
      if (typeof s.minProperties === 'number') out.minProperties = s.minProperties;
      if (typeof s.maxProperties === 'number') out.maxProperties = s.maxProperties;
      return withDescription(out, s);
    }
  }
}

/** Any JSON value one level deep (the grammar has no "anything" type). */
function anyJson(): Json {
  return {
    oneOf: [
      { type: ['string', 'number', 'boolean', 'null'] },
      { type: 'array', items: { type: ['string', 'number', 'boolean', 'null'] } },
      { type: 'object', properties: {}, additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
    ],
  };
}

/** JSON Schema (draft 2020-12, as zod emits it) → a schema node-llama-cpp's grammar compiler accepts. */
export function toGrammarSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const out = convert(schema);
  const defs = (schema.$defs ?? schema.definitions) as Json | undefined;
  if (isObj(defs)) out.$defs = Object.fromEntries(Object.entries(defs).map(([k, v]) => [k, convert(v)]));
  return out;
}

// node-llama-cpp 3.21's number rules (utils/gbnfJson/terminals/GbnfNumber.js). Integers may carry an
// exponent, so a random or sloppy model writes `3333e3333` (parses as Infinity) where zod wants an
// integer; 16-digit integers exceed Number.MAX_SAFE_INTEGER.
const INTEGER_RULE = '"-"? ("0" | [1-9] [0-9]{0,15}) ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?';
const SAFE_INTEGER_RULE = '"-"? ("0" | [1-9] [0-9]{0,14})';
const EXPONENT = '([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?';
const FINITE_EXPONENT = '([eE] [-+]? [1-9] [0-9]?)?';

/**
 * Tightens the number rules of a generated GBNF grammar: integers get no exponent and at most 15
 * digits, other numbers an exponent below 100 (always finite). Unknown rule text (another
 * node-llama-cpp version) is left as it is; validation afterwards still catches bad values.
 */
export function tightenNumberRules(gbnf: string): string {
  return gbnf.split(INTEGER_RULE).join(SAFE_INTEGER_RULE).split(EXPONENT).join(FINITE_EXPONENT);
}
