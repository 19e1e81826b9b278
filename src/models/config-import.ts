/**
 * `models --import`: a file written by `models --export`, or the specification's configuration
 * shape, planned (parsed, recognised, mapped, checked) before anything is written, then written in
 * one validated write. Saved roles are never dropped silently: roles the file lacks are kept and
 * reported.
 */
import { readConfigFile, validateConfig, writeConfig } from '../config/load.js';
import { isRedacted } from '../config/redact.js';
import { ROLES, type RoleConfig } from '../config/schema.js';
import { ConfigError, ValidationError } from '../errors.js';
import { parseJsonWithPosition } from '../util/json.js';
import { detectConfigShape, mapSpecConfig, type SpecMapping } from './spec-config.js';
import { DEPLOYMENT_MODES, PROVIDER_KINDS, type DeploymentMode } from './types.js';

/** A parsed import, ready to be checked further (endpoints, mode) and written. */
export type ImportPlan =
  | { shape: 'export'; value: Record<string, unknown>; problems: string[]; notes: string[] }
  | { shape: 'specification'; mapping: SpecMapping; problems: string[]; notes: string[] };

/** What an import wrote and what it left. */
export interface ImportOutcome {
  shape: ImportPlan['shape'];
  /** The config as written. */
  config: Record<string, unknown>;
  mode?: DeploymentMode;
  /** Registry aliases written (added or replaced). */
  aliases: string[];
  replaced: string[];
  /** Saved roles the file did not set, kept as they were ("main → ollama llama3.2"). */
  keptRoles: string[];
  /** One line per part of the file that was not imported, and why. */
  notes: string[];
}

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Parses and recognises the file; specification files are mapped, with their problems listed. */
export function planImport(json: string, source: string, trustedHosts: readonly string[] = []): ImportPlan {
  const parsed = parseJsonWithPosition(json);
  if (!parsed.ok) {
    throw new ValidationError(`${source}: ${parsed.error}`, {
      hint: 'the file must be JSON: an export of `models --export` or the specification’s configuration',
    });
  }
  const value = parsed.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(`${source}: the top level must be a JSON object`, {
      hint: 'import a file written by `models --export`',
    });
  }
  const v = value as Record<string, unknown>;
  if (detectConfigShape(v, source) === 'export') {
    checkNamedEnums(v, source);
    return { shape: 'export', value: v, problems: [], notes: [] };
  }
  const mapping = mapSpecConfig(v, { rawText: json, trustedHosts });
  return { shape: 'specification', mapping, problems: [...mapping.problems], notes: [...mapping.notes] };
}

/** Throws one line naming every problem of the plan; nothing has been written. */
export function refuseProblems(plan: ImportPlan, source: string): void {
  if (!plan.problems.length) return;
  const n = plan.problems.length;
  throw new ValidationError(
    `${source}: nothing imported, ${n} problem${n === 1 ? '' : 's'}: ${plan.problems.join('; ')}`,
    { hint: 'fix the file and import it again; the configuration was left as it was' },
  );
}

function roleLine(role: string, r: RoleConfig): string {
  return `${role} → ${r.provider} ${r.modelId}`;
}

/** Writes a checked plan in one validated write. */
export function writeImport(configPath: string, plan: ImportPlan, source: string): ImportOutcome {
  const { raw: current } = readConfigFile(configPath);
  const currentRoles = obj(current.models) as Record<string, RoleConfig>;
  if (plan.shape === 'export') {
    const incoming = obj(plan.value.models);
    const keptRoles = ROLES.filter((r) => currentRoles[r] && !(r in incoming)).map((r) =>
      roleLine(r, currentRoles[r]!),
    );
    const merge = (cur: Record<string, unknown>) => {
      const restored = restoreRedacted(plan.value, cur) as Record<string, unknown>;
      const next = { ...cur, ...restored };
      if ('models' in restored) next.models = { ...obj(cur.models), ...obj(restored.models) };
      return next;
    };
    validateConfig(merge(current), source);
    const config = writeConfig(configPath, merge);
    const aliases = Object.keys(obj(obj(plan.value.local).registry));
    return { shape: 'export', config, aliases, replaced: [], keptRoles, notes: plan.notes };
  }
  const { mapping } = plan;
  const registry = obj(obj(current.local).registry);
  const replaced = mapping.models.filter((m) => m.alias in registry).map((m) => m.alias);
  const merge = (cur: Record<string, unknown>) => {
    const local = { ...obj(cur.local) };
    const reg = { ...obj(local.registry) };
    for (const m of mapping.models) reg[m.alias] = m.entry;
    local.registry = reg;
    if (mapping.mode) local.mode = mapping.mode;
    return { ...cur, local };
  };
  validateConfig(merge(current), source);
  const config = writeConfig(configPath, merge);
  const keptRoles = ROLES.filter((r) => currentRoles[r]).map((r) => roleLine(r, currentRoles[r]!));
  return {
    shape: 'specification',
    config,
    ...(mapping.mode ? { mode: mapping.mode } : {}),
    aliases: mapping.models.map((m) => m.alias),
    replaced,
    keptRoles,
    notes: plan.notes,
  };
}

/** Names an unknown mode or provider in an import before zod's generic enum message would. */
function checkNamedEnums(v: Record<string, unknown>, source: string): void {
  const local = obj(v.local);
  if (typeof local.mode === 'string' && !(DEPLOYMENT_MODES as string[]).includes(local.mode)) {
    throw new ConfigError('CONFIG_INVALID', `${source}: local.mode: unknown mode '${local.mode}'`, {
      hint: `valid modes: ${DEPLOYMENT_MODES.join(', ')}`,
    });
  }
  for (const [alias, e] of Object.entries((local.registry ?? {}) as Record<string, { provider?: unknown }>)) {
    const p = e?.provider;
    if (typeof p === 'string' && !(PROVIDER_KINDS as string[]).includes(p)) {
      throw new ConfigError('CONFIG_INVALID', `${source}: local.registry.${alias}.provider: unknown provider '${p}'`, {
        hint: `valid providers: ${PROVIDER_KINDS.join(', ')}`,
      });
    }
  }
}

/** Replaces each "[REDACTED]" in `incoming` by the value at the same path in `current`, or drops it. */
export function restoreRedacted(incoming: unknown, current: unknown): unknown {
  const DROP = Symbol('drop');
  const walk = (v: unknown, cur: unknown): unknown => {
    if (isRedacted(v)) return cur !== undefined && !isRedacted(cur) ? cur : DROP;
    if (Array.isArray(v)) {
      const c = Array.isArray(cur) ? cur : [];
      return v.map((x, i) => walk(x, c[i])).filter((x) => x !== DROP);
    }
    if (v && typeof v === 'object') {
      const c = cur && typeof cur === 'object' ? (cur as Record<string, unknown>) : {};
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const r = walk(x, c[k]);
        if (r !== DROP) out[k] = r;
      }
      return out;
    }
    return v;
  };
  return walk(incoming, current);
}
