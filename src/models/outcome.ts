import { AppError, ProviderError } from '../errors.js';
import type { ModelCatalog } from './catalog.js';
import { serverHint } from './catalog-util.js';
import { UNAVAILABLE_CODES, type RequestState } from './executor.js';
import type { RouteResult } from './routing.js';
import type { Role } from '../config/schema.js';
import type { ModelHooks, ModelRef, TaskType } from './types.js';

/** Hooks that can never throw into a call: an observer's bug must not fail the user's work. */
export function safeHooks(h: ModelHooks = {}): Required<ModelHooks> {
  const guard =
    <A>(fn: ((a: A) => void) | undefined) =>
    (a: A) => {
      try {
        fn?.call(h, a);
      } catch {
        /* observers are best-effort by contract */
      }
    };
  return { onCall: guard(h.onCall), onFailure: guard(h.onFailure), onRoute: guard(h.onRoute) };
}

/**
 * Several hook sets as one; each observer is isolated from the others' errors. The list is read
 * at call time, so observers pushed later (after the API was built) are called too.
 */
export function composeHooks(list: readonly (ModelHooks | undefined)[]): ModelHooks {
  const each = (fn: (h: Required<ModelHooks>) => void) => list.forEach((h) => h && fn(safeHooks(h)));
  return {
    onCall: (r) => each((h) => h.onCall(r)),
    onFailure: (f) => each((h) => h.onFailure(f)),
    onRoute: (e) => each((h) => h.onRoute(e)),
  };
}

function describe(ref: ModelRef): string {
  return `${ref.alias === ref.model ? ref.model : `${ref.alias} (${ref.model})`} on ${ref.provider}${ref.endpoint ? ` at ${ref.endpoint}` : ''}`;
}

function pullHint(ref: ModelRef): string {
  if (ref.provider === 'ollama') return `pull it with \`ollama pull ${ref.model.replace(/:latest$/, '')}\``;
  if (ref.provider === 'lmstudio') return `load ${ref.model} in LM Studio (\`lms load ${ref.model}\`)`;
  return `make ${ref.model} available on its server, or pick another with --model`;
}

/** One line per candidate that failed: what happened to it, in order. */
function perCandidate(failures: RequestState['failures']): string {
  const seen = new Map<string, string>();
  for (const f of failures) {
    const k = `${f.ref.provider}|${f.ref.endpoint ?? ''}|${f.ref.model}`;
    seen.set(k, `${f.ref.model}: ${(f.error as Error)?.message ?? String(f.error)}`);
  }
  return [...seen.values()].join('; ');
}

/**
 * The error when every candidate failed. A timeout says what the server did (it is never "no model
 * available": the server is there and did not answer); invalid output says what was wrong; only
 * when nothing could be reached at all is it NO_MODEL_AVAILABLE; otherwise the last provider error.
 */
export function failureError(
  plan: RouteResult,
  st: RequestState,
  lastInvalid: string | undefined,
  lastError: unknown,
): AppError {
  const tried = st.attempts.map((a) => `${a.model}: ${a.errorCode ?? 'ok'}`).join(', ');
  const timeouts = st.failures.filter((f) => f.error instanceof AppError && f.error.code === 'TIMEOUT');
  if (timeouts.length > 0) {
    const first = timeouts[0]!.error as AppError;
    const others = st.failures.filter((f) => f.ref !== timeouts[0]!.ref);
    const rest = others.length ? `; then ${perCandidate(others)}` : '';
    return new ProviderError('TIMEOUT', `${first.message}${rest}`, {
      hint: first.hint,
      cause: first,
      details: { ...first.details, attempts: st.attempts, tried },
    });
  }
  if (lastInvalid !== undefined) {
    return new AppError('MODEL_OUTPUT_INVALID', `no model produced a valid answer; last problem: ${lastInvalid}`, {
      hint: 'try a larger model with --model, or lower the amount of work per call',
      details: { attempts: st.attempts, lastError: lastInvalid },
    });
  }
  const first = plan.candidates[0];
  const allUnavailable =
    st.attempts.every((a) => a.errorCode !== undefined && UNAVAILABLE_CODES.has(a.errorCode)) ||
    (lastError instanceof AppError && UNAVAILABLE_CODES.has(lastError.code) && st.attempts.length === 0);
  if (first && allUnavailable) {
    const firstErr = st.attempts[0]?.error ?? (lastError as Error | undefined)?.message ?? 'not reachable';
    const missing =
      st.attempts[0]?.errorCode === 'MODEL_NOT_FOUND' ||
      (lastError instanceof ProviderError && lastError.status === 404 && plan.candidates.length === 1);
    return new AppError(
      'NO_MODEL_AVAILABLE',
      `no model is reachable: would have used ${describe(first)} (${firstErr})`,
      {
        hint: missing ? pullHint(first) : serverHint(first.provider, first.endpoint),
        cause: lastError,
        details: { wouldUse: first.alias, endpoint: first.endpoint, attempts: st.attempts, tried },
      },
    );
  }
  if (lastError instanceof AppError) return lastError;
  return new AppError('INTERNAL', `model call failed: ${(lastError as Error)?.message ?? String(lastError)}`, {
    cause: lastError,
  });
}

/**
 * The error when routing found no candidate at all. A role the task would use that the mode forbids
 * is the first reason (PRIVACY_REFUSED, exit 3, naming the role, the model and the setting): with no
 * local server either, starting one alone would not bring that model back. Otherwise
 * NO_MODEL_AVAILABLE, saying what was tried and how to fix it.
 */
export async function noModelError(catalog: ModelCatalog, plan: RouteResult, type: TaskType): Promise<AppError> {
  const servers = await catalog.servers();
  const roles = await catalog.effectiveRoles();
  const where = servers
    .map((s) => `${s.kind} at ${s.endpoint}: ${s.skipped ?? (s.ok ? `${s.models.length} models` : 'unreachable')}`)
    .join('; ');
  const used: Role[] = type === 'RESEARCH' ? ['research', 'main', 'fallback'] : ['main', 'fallback'];
  const refused = used.filter((r) => roles[r].forbidden);
  if (refused.length) {
    const first = roles[refused[0]!];
    return new AppError(
      'PRIVACY_REFUSED',
      `refused: ${refused.map((r) => roles[r].skipped).join('; ')}; and no local model is reachable to use instead (${where})`,
      {
        hint: `start a local model server (\`ollama serve\`, then \`ollama pull llama3.2\`) or point the role at one with \`task-master-local models --set-${refused[0]} <id>\`, or choose another mode with --mode HYBRID`,
        details: {
          noModel: true,
          roles: refused,
          skipped: first.skipped,
          servers: servers.map((s) => ({ kind: s.kind, ok: s.ok })),
        },
      },
    );
  }
  const skipped = (['main', 'research', 'fallback'] as const)
    .map((r) => roles[r].skipped && `${r}: ${roles[r].skipped}`)
    .filter(Boolean);
  const excluded = plan.excluded.map((e) => `${e.alias} (${e.reason})`);
  const reasons = [...skipped, ...excluded, where].filter(Boolean).join('; ');
  const ollama = servers.find((s) => s.kind === 'ollama');
  const hint =
    ollama && !ollama.ok && !ollama.skipped
      ? `start Ollama with \`ollama serve\` (expected at ${ollama.endpoint}), then \`ollama pull llama3.2\``
      : ollama?.ok
        ? 'pull a chat model with `ollama pull llama3.2`'
        : 'start a local model server (`ollama serve`), or configure a role with `task-master-local models --set-main <id>`';
  return new AppError('NO_MODEL_AVAILABLE', `no model is available for ${type} work${reasons ? ` (${reasons})` : ''}`, {
    hint,
    details: {
      servers: servers.map((s) => ({ kind: s.kind, endpoint: s.endpoint, ok: s.ok, skipped: s.skipped })),
      excluded: plan.excluded,
    },
  });
}
