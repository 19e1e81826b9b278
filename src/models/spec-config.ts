/**
 * The specification's configuration shape (`deployment_mode`; `models` keyed by id, or a list, each
 * with `provider`, `model_name`, `endpoint`, `capabilities`, `tier`) mapped onto ours: the mode and
 * registry entries. Pure: it reads a parsed file and says what it maps, what it cannot, and what is
 * wrong; the configuration manager writes, the use case checks endpoints.
 */
import type { ModelEntry } from '../config/schema.js';
import { AppError } from '../errors.js';
import { buildAliasEntry, parseMode } from './alias-entry.js';
import { normalizeProvider, type DeploymentMode } from './types.js';

/** Which of the two accepted shapes a parsed file is. */
export type ConfigShape = 'export' | 'specification';

/** Top-level keys of an export (task-master's config.json plus our section). */
const EXPORT_KEYS = ['models', 'global', 'local'];
/** Fields of a specification model entry that have a place in ours. */
const ENTRY_FIELDS = ['provider', 'model_name', 'endpoint', 'capabilities', 'tier', 'context_length', 'model_id', 'id'];
/** Fields the specification's entries may carry that we keep elsewhere or not at all, and why. */
const ENTRY_ELSEWHERE: Record<string, string> = {
  max_tokens: 'task-master keeps maxTokens per role (models.<role>.maxTokens in config.json)',
  temperature: 'task-master keeps temperature per role (models.<role>.temperature in config.json)',
  api_key: 'keys are read from the environment only, never stored',
  timeout: 'timeouts are per server in local.timeouts',
};

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** "ModelProvider.OLLAMA" and "OLLAMA" alike: the enum's class prefix a Python dump may leave. */
function enumValue(v: unknown): string | undefined {
  return typeof v === 'string' ? v.replace(/^[A-Za-z]+\./, '') : undefined;
}

/**
 * The file's shape, or a refusal naming the top-level keys neither shape understands. The
 * specification's shape is recognised by `deployment_mode` or by model entries with `model_name`.
 */
export function detectConfigShape(value: Record<string, unknown>, source: string): ConfigShape {
  const models = value.models;
  const entries = Array.isArray(models) ? models : Object.values(obj(models) ?? {});
  if ('deployment_mode' in value || Array.isArray(models) || entries.some((e) => obj(e) && 'model_name' in obj(e)!)) {
    return 'specification';
  }
  if (EXPORT_KEYS.some((k) => k in value)) return 'export';
  const keys = Object.keys(value);
  throw new AppError(
    'VALIDATION',
    `${source}: not a configuration this tool can import: ${keys.length ? `keys ${keys.join(', ')} not understood` : 'the object is empty'}`,
    {
      hint: 'import a file written by `models --export` (models, local, …) or the specification’s shape (deployment_mode, models with provider and model_name)',
    },
  );
}

/** One mapped model: the alias and the registry entry it becomes. */
export interface MappedModel {
  alias: string;
  entry: ModelEntry;
}

/** What a specification file maps to, what it cannot (notes), and what makes it invalid (problems). */
export interface SpecMapping {
  mode?: DeploymentMode;
  models: MappedModel[];
  /** One line per part that has no place in ours (the import goes on without it). */
  notes: string[];
  /** One line per problem; any problem means nothing is written. */
  problems: string[];
}

/** Maps a specification-shaped file; `rawText` finds duplicate ids JSON.parse would have merged. */
export function mapSpecConfig(
  value: Record<string, unknown>,
  o: { rawText?: string; trustedHosts?: readonly string[] } = {},
): SpecMapping {
  const out: SpecMapping = { models: [], notes: [], problems: [] };
  for (const key of Object.keys(value)) {
    if (key !== 'deployment_mode' && key !== 'models') out.notes.push(`${key}: not imported (no equivalent setting)`);
  }
  if (value.deployment_mode !== undefined) {
    try {
      out.mode = parseMode(enumValue(value.deployment_mode) ?? String(value.deployment_mode));
    } catch (e) {
      out.problems.push(`deployment_mode: ${(e as Error).message} (${(e as AppError).hint})`);
    }
  }
  const list: [string | undefined, unknown][] = Array.isArray(value.models)
    ? value.models.map((e) => [undefined, e])
    : Object.entries(obj(value.models) ?? {});
  if (value.models !== undefined && !Array.isArray(value.models) && !obj(value.models)) {
    out.problems.push('models: must be an object keyed by model id or a list of models');
  }
  const seen = new Set<string>();
  for (const dup of duplicateModelKeys(o.rawText)) {
    out.problems.push(`models.${dup}: duplicate alias (the id appears more than once)`);
    seen.add(dup);
  }
  list.forEach(([key, raw], i) => {
    const e = obj(raw);
    const alias = key ?? (typeof e?.model_id === 'string' ? e.model_id : typeof e?.id === 'string' ? e.id : undefined);
    const at = `models.${alias ?? `[${i}]`}`;
    if (!e) return void out.problems.push(`${at}: must be an object with provider and model_name`);
    if (!alias) return void out.problems.push(`${at}: no model_id (a model in a list needs one)`);
    if (seen.has(alias) && key === undefined) return void out.problems.push(`${at}: duplicate alias '${alias}'`);
    seen.add(alias);
    const provider = normalizeProvider(enumValue(e.provider) ?? '');
    if (!provider) {
      return void out.problems.push(
        `${at}.provider: unknown provider '${String(e.provider ?? '')}' (valid: OLLAMA, LM_STUDIO, LOCAL_AI, ANTHROPIC, OPENAI, PERPLEXITY, or ours)`,
      );
    }
    if (typeof e.model_name !== 'string' || !e.model_name.trim()) {
      return void out.problems.push(`${at}.model_name: missing`);
    }
    for (const f of Object.keys(e)) {
      if (ENTRY_FIELDS.includes(f)) continue;
      out.notes.push(`${at}.${f}: not imported (${ENTRY_ELSEWHERE[f] ?? 'no equivalent setting'})`);
    }
    const caps = Array.isArray(e.capabilities) ? e.capabilities.map((c) => enumValue(c) ?? String(c)) : undefined;
    try {
      const entry = buildAliasEntry(
        alias,
        {
          provider,
          model: e.model_name,
          ...(typeof e.endpoint === 'string' && e.endpoint ? { endpoint: e.endpoint } : {}),
          ...(caps ? { capabilities: caps } : {}),
          ...(e.tier !== undefined ? { tier: enumValue(e.tier) ?? String(e.tier) } : {}),
          ...(typeof e.context_length === 'number' ? { contextLength: e.context_length } : {}),
        },
        o.trustedHosts,
      );
      out.models.push({ alias, entry });
    } catch (err) {
      out.problems.push(`${at}: ${(err as Error).message}`);
    }
  });
  return out;
}

/**
 * Keys that appear twice in the top-level `models` object of the raw text (JSON.parse keeps the last
 * silently). A small scanner: strings, nesting depth, and the key path to depth 2.
 */
export function duplicateModelKeys(text: string | undefined): string[] {
  if (!text) return [];
  const dups = new Set<string>();
  const seen = new Set<string>();
  const stack: string[] = []; // '{' or '['
  let topKey: string | undefined;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const str = text.slice(i + 1, j);
      i = j + 1;
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text[i] === ':' && stack[stack.length - 1] === '{') {
        if (stack.length === 1) topKey = str;
        if (stack.length === 2 && topKey === 'models') {
          if (seen.has(str)) dups.add(str);
          seen.add(str);
        }
      }
      continue;
    }
    if (c === '{' || c === '[') stack.push(c);
    else if (c === '}' || c === ']') stack.pop();
    i++;
  }
  return [...dups];
}
