import { AppError } from '../errors.js';
import { isLocalUrl } from '../config/hosts.js';
import type { DeploymentMode, ModelRef } from './types.js';

/** What the guard needs to know about the configuration. */
export interface PrivacyContext {
  mode: DeploymentMode;
  /** Where the mode came from, e.g. "env TASKMASTER_LOCAL_LLM=true"; "default" when nothing set it. */
  modeSource?: string;
  trustedHosts?: readonly string[];
}

/**
 * Whether a ref may be treated as local. Both the ref's flag and its literal endpoint must say so,
 * so a ref built by hand (or by a buggy caller) with local:true but a remote URL is still caught.
 */
export function isRefLocal(ref: ModelRef, trustedHosts: readonly string[] = []): boolean {
  if (ref.provider === 'llama-cpp') return ref.local !== false;
  if (!ref.local) return false;
  return ref.endpoint ? isLocalUrl(ref.endpoint, trustedHosts) : false;
}

/**
 * The privacy guard: in LOCAL_ONLY any non-local ref is refused before a provider is created or
 * called, naming the setting that selected the mode. In EXTERNAL_ONLY local refs are refused too,
 * so the user gets what the mode promises.
 */
export function assertAllowed(ref: ModelRef, ctx: PrivacyContext): void {
  const local = isRefLocal(ref, ctx.trustedHosts);
  const source = ctx.modeSource ?? 'default';
  const where = ref.endpoint ?? ref.provider;
  if (ctx.mode === 'LOCAL_ONLY' && !local) {
    throw new AppError(
      'PRIVACY_REFUSED',
      `refused: ${ref.alias} (${ref.provider} at ${where}) is not local and the mode is LOCAL_ONLY (set by ${source})`,
      {
        hint: 'use a local model, add the host to local.trustedHosts, or choose another mode with --mode HYBRID',
        details: { alias: ref.alias, provider: ref.provider, endpoint: ref.endpoint, modeSource: source },
      },
    );
  }
  if (ctx.mode === 'EXTERNAL_ONLY' && local) {
    throw new AppError(
      'PRIVACY_REFUSED',
      `refused: ${ref.alias} (${ref.provider} at ${where}) is local and the mode is EXTERNAL_ONLY (set by ${source})`,
      {
        hint: 'use an external model or choose another mode with --mode HYBRID',
        details: { alias: ref.alias, provider: ref.provider, endpoint: ref.endpoint, modeSource: source },
      },
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
