import { AppError } from '../errors.js';
import { isLocalUrl } from '../config/hosts.js';
import {
  EXTERNAL_PROVIDER_KINDS,
  PROVIDER_KINDS,
  type DeploymentMode,
  type ModelRef,
  type ProviderKind,
} from './types.js';

/** What the guard needs to know about the configuration. */
export interface PrivacyContext {
  mode: DeploymentMode;
  /** Where the mode came from, e.g. "env TASKMASTER_LOCAL_LLM=true"; "default" when nothing set it. */
  modeSource?: string;
  trustedHosts?: readonly string[];
}

/**
 * Kinds that are model servers a user runs (or the embedded runtime). A provider of any other
 * kind (openai, anthropic, perplexity) is an external service whatever its endpoint says: a
 * loopback port is as often an SSH tunnel or a gateway (LiteLLM, a corporate proxy) to a cloud
 * API as a local server, so the host alone can never make it local.
 */
export const LOCAL_SERVER_KINDS: readonly ProviderKind[] = PROVIDER_KINDS.filter(
  (k) => !EXTERNAL_PROVIDER_KINDS.includes(k),
);

/** Whether a provider kind is a local server kind (never true for an external service). */
export function isLocalKind(kind: ProviderKind): boolean {
  return LOCAL_SERVER_KINDS.includes(kind);
}

/**
 * Whether a ref may be treated as local: a local server kind, and both the ref's flag and its
 * literal endpoint say local (loopback, private range or trusted host), so a ref built by hand with
 * local:true but a remote URL is still caught. The embedded provider is local by construction.
 */
export function isRefLocal(ref: ModelRef, trustedHosts: readonly string[] = []): boolean {
  if (!isLocalKind(ref.provider)) return false;
  if (ref.provider === 'llama-cpp') return ref.local !== false;
  if (!ref.local) return false;
  return ref.endpoint ? isLocalUrl(ref.endpoint, trustedHosts) : false;
}

/** Why a ref is not local, in words a user can act on. */
export function whyNotLocal(ref: ModelRef): string {
  if (!isLocalKind(ref.provider)) {
    return `provider ${ref.provider} is an external service kind, never local whatever its endpoint${ref.endpoint ? ` (${ref.endpoint})` : ''}; local kinds are ${LOCAL_SERVER_KINDS.join(', ')}`;
  }
  return `${ref.endpoint ?? 'its endpoint'} is not a loopback, private or trusted host`;
}

function who(ref: ModelRef): string {
  return `${ref.role ? `role ${ref.role} (${ref.alias})` : ref.alias}`;
}

/**
 * The privacy guard: in LOCAL_ONLY any non-local ref is refused before a provider is created or
 * called, naming the role, the provider kind and the setting that selected the mode. In
 * EXTERNAL_ONLY local refs are refused too, so the user gets what the mode promises.
 */
export function assertAllowed(ref: ModelRef, ctx: PrivacyContext): void {
  const local = isRefLocal(ref, ctx.trustedHosts);
  const source = ctx.modeSource ?? 'default';
  const details = {
    alias: ref.alias,
    role: ref.role,
    provider: ref.provider,
    endpoint: ref.endpoint,
    modeSource: source,
  };
  if (ctx.mode === 'LOCAL_ONLY' && !local) {
    throw new AppError(
      'PRIVACY_REFUSED',
      `refused: ${who(ref)} uses provider ${ref.provider}, and mode LOCAL_ONLY (set by ${source}) allows only local models: ${whyNotLocal(ref)}`,
      {
        hint: isLocalKind(ref.provider)
          ? 'use a local model, add the host to local.trustedHosts, or choose another mode with --mode HYBRID'
          : `point the role at a local server kind (e.g. --set-${ref.role ?? 'main'} with an ollama or openai-compatible model), or choose another mode with --mode HYBRID`,
        details,
      },
    );
  }
  if (ctx.mode === 'EXTERNAL_ONLY' && local) {
    throw new AppError(
      'PRIVACY_REFUSED',
      `refused: ${who(ref)} (${ref.provider} at ${ref.endpoint ?? ref.provider}) is local and the mode is EXTERNAL_ONLY (set by ${source})`,
      { hint: 'use an external model or choose another mode with --mode HYBRID', details },
    );
  }
}

/** Whether the mode lets calls reach this ref at all (the non-throwing form of assertAllowed). */
export function modeAllows(ref: ModelRef, ctx: PrivacyContext): boolean {
  const local = isRefLocal(ref, ctx.trustedHosts);
  if (ctx.mode === 'LOCAL_ONLY') return local;
  if (ctx.mode === 'EXTERNAL_ONLY') return !local;
  return true;
}
