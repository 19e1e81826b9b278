import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseJsonWithPosition } from '../util/json.js';
import { atomicWriteFile, readTextFileIfExists } from '../util/fs.js';
import { DEPLOYMENT_MODES, PROVIDER_KINDS, type DeploymentMode, validProvidersText } from './vocabulary.js';
import { InvalidHostError, parseOllamaHost, parseOpenAIHost } from './hosts.js';
import { redactText } from './redact.js';
import { findProjectRoot, projectPaths } from './paths.js';
import {
  LocalSectionSchema,
  ROLES,
  TaskMasterConfigSchema,
  type LocalSection,
  type ResolvedConfig,
  type Role,
  type RoleConfig,
} from './schema.js';

export { findProjectRoot, projectPaths } from './paths.js';

export interface ConfigOverrides {
  mode?: DeploymentMode;
  dbPath?: string;
  noCache?: boolean;
  concurrency?: number;
}

export interface LoadOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  flags?: ConfigOverrides;
}

/** Reads and validates config.json; a syntax error names line and column, a bad field names the field. */
export function readConfigFile(path: string): { raw: Record<string, unknown>; exists: boolean } {
  const text = readTextFileIfExists(path);
  if (text === undefined) return { raw: {}, exists: false };
  if (!text.trim()) return { raw: {}, exists: true };
  const parsed = parseJsonWithPosition(text);
  if (!parsed.ok) {
    throw new ConfigError('CONFIG_PARSE', `${path}: ${parsed.error}`, {
      hint: 'fix the JSON syntax at that position (task-master and task-master-local share this file)',
    });
  }
  if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    throw new ConfigError('CONFIG_INVALID', `${path}: the top level must be a JSON object`, {
      hint: 'start from `task-master-local models --json` or delete the file to use defaults',
    });
  }
  return { raw: parsed.value as Record<string, unknown>, exists: true };
}

/** Validates raw config content; errors name each failing field as a dotted path. */
export function validateConfig(raw: unknown, path = 'config.json') {
  const r = TaskMasterConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(root)';
    // zod's enum message lists the options but not the value that failed: name it.
    const got = valueAt(raw, issue.path);
    const what = field.endsWith('provider') ? 'provider' : field.endsWith('mode') ? 'mode' : 'value';
    const message =
      issue.code === 'invalid_value' && typeof got === 'string' ? `unknown ${what} '${got}'` : issue.message;
    throw new ConfigError('CONFIG_INVALID', `${path}: ${field}: ${message}`, {
      hint: fieldHint(field),
      details: { issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) },
    });
  }
  return r.data;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function fieldHint(field: string): string {
  if (field.endsWith('mode')) return `valid modes: ${DEPLOYMENT_MODES.join(', ')}`;
  if (field.startsWith('local.registry') && field.endsWith('provider'))
    return `valid providers: ${PROVIDER_KINDS.join(', ')}`;
  if (field.includes('provider')) return `valid providers: ${validProvidersText()}`;
  return 'fix that field in .taskmaster/config.json, or remove it to use the default';
}

/** An invalid server variable is a configuration error naming it, never a host "that is not local". */
function hostFromEnv(name: string, value: string, parse: () => string): string {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof InvalidHostError)) throw e;
    throw new ConfigError('CONFIG_INVALID', `${name}=${redactText(value)} is invalid: ${e.message}`, {
      hint: `set ${name} to host:port or http://host:port (e.g. 127.0.0.1:11434), or unset it`,
      details: { variable: name },
    });
  }
}

/** defaults < file < env < flags. */
export function loadConfig(opts: LoadOptions): ResolvedConfig {
  const env = opts.env ?? process.env;
  const root = findProjectRoot(opts.cwd);
  const paths = projectPaths(root);
  const { raw, exists } = readConfigFile(paths.config);
  const data = validateConfig(raw, paths.config);
  const sources: Record<string, string> = {};
  const warnings: string[] = [];

  const local: LocalSection = LocalSectionSchema.parse(data.local ?? {});
  // The parsed section always has a mode (its default); only a mode written in the file counts as set there.
  if ((raw.local as { mode?: unknown } | undefined)?.mode) sources.mode = 'config.json local.mode';

  if (env.TASKMASTER_LOCAL_LLM && /^(1|true|yes)$/i.test(env.TASKMASTER_LOCAL_LLM)) {
    local.mode = 'LOCAL_ONLY';
    sources.mode = 'env TASKMASTER_LOCAL_LLM=true';
  }
  if (env.OLLAMA_HOST !== undefined && env.OLLAMA_HOST !== '') {
    local.servers.ollama = hostFromEnv('OLLAMA_HOST', env.OLLAMA_HOST, () => parseOllamaHost(env.OLLAMA_HOST));
    sources['servers.ollama'] = 'env OLLAMA_HOST';
  }
  if (env.LM_STUDIO_HOST) {
    const v = env.LM_STUDIO_HOST;
    local.servers.lmstudio = hostFromEnv('LM_STUDIO_HOST', v, () => parseOpenAIHost(v, 1234));
    sources['servers.lmstudio'] = 'env LM_STUDIO_HOST';
  }
  if (env.LOCAL_AI_HOST) {
    const v = env.LOCAL_AI_HOST;
    local.servers.localai = hostFromEnv('LOCAL_AI_HOST', v, () => parseOpenAIHost(v, 8080));
    sources['servers.localai'] = 'env LOCAL_AI_HOST';
  }
  let dbPath = paths.db;
  if (env.TASKMASTER_LOCAL_DB) {
    dbPath = resolve(opts.cwd, env.TASKMASTER_LOCAL_DB);
    sources.db = 'env TASKMASTER_LOCAL_DB';
  }

  const f = opts.flags ?? {};
  if (f.mode) {
    local.mode = f.mode;
    sources.mode = 'flag --mode';
  }
  if (f.dbPath) {
    dbPath = resolve(opts.cwd, f.dbPath);
    sources.db = 'flag --db';
  }
  if (f.noCache) local.cache = false;
  if (f.concurrency) local.concurrency = f.concurrency;

  const roles: Partial<Record<Role, RoleConfig>> = {};
  for (const role of ROLES) {
    const r = data.models?.[role];
    if (r) roles[role] = r;
  }
  return {
    projectRoot: root,
    configPath: paths.config,
    dbPath,
    roles,
    local,
    raw,
    fileExists: exists,
    sources,
    warnings,
  };
}

/**
 * Writes config.json: merges `patch` into what is on disk now (so keys written by task-master
 * since we read it survive) and renames atomically.
 */
export function writeConfig(
  configPath: string,
  patch: (current: Record<string, unknown>) => Record<string, unknown>,
): Record<string, unknown> {
  const { raw } = readConfigFile(configPath);
  const next = patch(structuredClone(raw));
  validateConfig(next, configPath);
  atomicWriteFile(configPath, JSON.stringify(next, null, 2) + '\n');
  return next;
}
