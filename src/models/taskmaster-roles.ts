/**
 * task-master's own model roles, judged by our privacy rules: which model each role would call
 * when task-master itself runs (a forwarded command), at the endpoint task-master would use, and
 * whether the deployment mode allows it. The judgement is the model API's own (modeAllows).
 */
import type { ResolvedConfig, Role, RoleConfig } from '../config/schema.js';
import { ROLES } from '../config/schema.js';
import { ModelConfigFactory } from './config-factory.js';
import { isLocalKind, modeAllows, whyNotLocal, type PrivacyContext } from './privacy.js';
import { PROVIDER_KINDS, type ModelRef, type ProviderKind } from './types.js';

/** task-master 0.43.1's role defaults (config-manager.js DEFAULTS): used for a role config.json lacks. */
export const TASK_MASTER_DEFAULT_ROLES: Record<Role, { provider: string; modelId: string }> = {
  main: { provider: 'anthropic', modelId: 'claude-sonnet-4-20250514' },
  research: { provider: 'perplexity', modelId: 'sonar' },
  fallback: { provider: 'anthropic', modelId: 'claude-3-7-sonnet-20250219' },
};

/** task-master's built-in endpoints for the providers that have a local default. */
const TASK_MASTER_DEFAULT_URLS: Partial<Record<string, string>> = {
  ollama: 'http://localhost:11434/api',
  lmstudio: 'http://localhost:1234/v1',
};

/** One role as task-master would run it, and the mode's verdict on it. */
export interface TaskMasterRoleUse {
  role: Role;
  provider: string;
  modelId: string;
  /** The base URL task-master would send requests to (undefined: the provider's hosted API). */
  endpoint?: string;
  /** false when config.json has no such role and task-master falls back to its default. */
  configured: boolean;
  allowed: boolean;
  /** Why the mode forbids it (set when !allowed). */
  why?: string;
}

/**
 * The base URL task-master gives a role's provider (getBaseUrlForRole, then ai-services-unified):
 * models.<role>.baseURL, else the variable <PROVIDER>_BASE_URL (task-master reads the project's .env
 * before the process environment: `lookupEnv` does the same), else for ollama global.ollamaBaseURL,
 * else the provider's built-in default.
 */
export function taskMasterRoleEndpoint(
  rc: { provider: string; baseURL?: string | undefined },
  raw: Record<string, unknown>,
  lookupEnv: (name: string) => string | undefined,
): string | undefined {
  if (typeof rc.baseURL === 'string' && rc.baseURL) return rc.baseURL;
  const provider = rc.provider.toLowerCase();
  const fromEnv = lookupEnv(`${provider.toUpperCase()}_BASE_URL`);
  if (fromEnv) return fromEnv;
  if (provider === 'ollama') {
    const g = (raw.global as { ollamaBaseURL?: unknown } | undefined)?.ollamaBaseURL;
    if (typeof g === 'string' && g) return g;
  }
  return TASK_MASTER_DEFAULT_URLS[provider];
}

/** Every role task-master could call (main, research, fallback), each with the mode's verdict. */
export function judgeTaskMasterRoles(
  config: ResolvedConfig,
  privacy: PrivacyContext,
  lookupEnv: (name: string) => string | undefined,
): TaskMasterRoleUse[] {
  return ROLES.map((role) => {
    const rc: RoleConfig | undefined = config.roles[role];
    const use = rc ?? TASK_MASTER_DEFAULT_ROLES[role];
    const endpoint = taskMasterRoleEndpoint(use, config.raw, lookupEnv);
    const base = {
      role,
      provider: use.provider,
      modelId: use.modelId,
      ...(endpoint ? { endpoint } : {}),
      configured: !!rc,
    };
    const verdict = judge(use.provider.toLowerCase(), use.modelId, endpoint, role, privacy);
    return { ...base, ...verdict };
  });
}

function judge(
  provider: string,
  modelId: string,
  endpoint: string | undefined,
  role: Role,
  privacy: PrivacyContext,
): { allowed: boolean; why?: string } {
  if (!(PROVIDER_KINDS as readonly string[]).includes(provider)) {
    // google, xai, bedrock, claude-code, …: hosted services or agents that call one; never local.
    if (privacy.mode !== 'LOCAL_ONLY') return { allowed: true };
    return { allowed: false, why: `provider ${provider} is a hosted service, never local` };
  }
  const kind = provider as ProviderKind;
  let ref: ModelRef;
  try {
    ref = ModelConfigFactory.create(kind, modelId, {
      ...(endpoint ? { endpoint } : {}),
      trustedHosts: privacy.trustedHosts ?? [],
    });
  } catch (e) {
    // e.g. openai-compatible without a base URL: task-master cannot call it; nothing local to trust.
    if (privacy.mode !== 'LOCAL_ONLY') return { allowed: true };
    return { allowed: false, why: (e as Error).message };
  }
  ref.role = role;
  if (modeAllows(ref, privacy)) return { allowed: true };
  if (privacy.mode === 'EXTERNAL_ONLY') return { allowed: false, why: `${endpoint ?? provider} is local` };
  return { allowed: false, why: isLocalKind(kind) ? whyNotLocal(ref) : `provider ${provider} is an external service` };
}
