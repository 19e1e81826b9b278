import { TASK_TYPES, type ModelAPI, type ProgressEvent, type TaskRequest, type TaskType } from '../models/types.js';
import { isLocalUrl } from '../config/hosts.js';
import { isRedacted, redactText } from '../config/redact.js';
import { serverUrls, type ResolvedConfig } from '../config/schema.js';
import {
  embedDimension,
  matchModel,
  preloadModel,
  probeServer,
  RoundTripSchema,
  type WireKind,
} from '../monitor/probes.js';
import { canWrite, repairDatabase } from '../storage/db-repair.js';
import { pullModel } from './pull.js';
import type { Diagnosis, Strategy } from '../diagnostics/types.js';
import type { FailureRecord } from './types.js';

/** What executing one strategy needs from the outside world. */
export interface ExecuteEnv {
  config?: ResolvedConfig;
  api?: () => Promise<ModelAPI | undefined>;
  allowPull: boolean;
  dbPath?: string;
  fetch?: typeof fetch;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
}

/**
 * Outcome of one strategy: success = the cause is gone (checked, or fixed by a pull or a repair);
 * failure = the cause is still there; skipped = nothing could be checked. Never "the operation that
 * failed succeeded": only a replay says that (see trackRun).
 */
export interface ExecuteResult {
  strategy: Strategy;
  outcome: 'success' | 'failure' | 'skipped';
  detail: string;
}

/** Wire kind and address of the server a failure happened on (falls back to the configured one). */
export function serverOf(
  f: FailureRecord,
  config?: ResolvedConfig,
): { kind: WireKind; provider: string; endpoint: string } | undefined {
  const provider = f.context.provider ?? 'ollama';
  const servers = config?.local.servers;
  // Failures are stored with credentials redacted; the configured address still has them.
  const recorded = f.context.endpoint;
  // A pool lists several addresses: the failure names the one that failed.
  const stored = (fromConfig: string[]) =>
    (recorded && isRedacted(recorded) ? fromConfig.find((u) => redactText(u) === recorded) : undefined) ?? recorded;
  if (provider === 'ollama') {
    const urls = serverUrls(servers?.ollama);
    return { kind: 'ollama', provider, endpoint: stored(urls) ?? urls[0] ?? 'http://127.0.0.1:11434' };
  }
  const fromConfig = serverUrls(
    provider === 'lmstudio' ? servers?.lmstudio : provider === 'localai' ? servers?.localai : undefined,
  );
  const endpoint = stored(fromConfig) ?? fromConfig[0];
  if (!endpoint || !['lmstudio', 'localai', 'openai-compatible'].includes(provider)) return undefined;
  return { kind: 'openai', provider, endpoint };
}

const probeTimeout = (env: ExecuteEnv) => env.config?.local.timeouts.probeMs ?? 1500;

/** LOCAL_ONLY holds for recovery too: strategies never contact a non-local server. */
function refused(endpoint: string, env: ExecuteEnv): boolean {
  return env.config?.local.mode === 'LOCAL_ONLY' && !isLocalUrl(endpoint, env.config.local.trustedHosts);
}

async function serverAnswers(f: FailureRecord, env: ExecuteEnv): Promise<ExecuteResult> {
  const s = serverOf(f, env.config);
  if (!s)
    return {
      strategy: 'retry',
      outcome: 'skipped',
      detail: `no server to probe for provider ${f.context.provider ?? '?'}`,
    };
  if (refused(s.endpoint, env))
    return {
      strategy: 'retry',
      outcome: 'skipped',
      detail: `${s.endpoint} is not local; LOCAL_ONLY never contacts it`,
    };
  const p = await probeServer(s.kind, s.provider, s.endpoint, {
    timeoutMs: probeTimeout(env),
    fetch: env.fetch,
    signal: env.signal,
  });
  if (!p.ok)
    return { strategy: 'retry', outcome: 'failure', detail: p.hint ?? p.error ?? `${s.endpoint} does not answer` };
  const model = f.context.model;
  if (
    model &&
    !matchModel(
      p.models.map((m) => m.name),
      model,
    )
  )
    return { strategy: 'retry', outcome: 'failure', detail: `${s.endpoint} answers, but model ${model} is not there` };
  return {
    strategy: 'retry',
    outcome: 'success',
    detail: `${s.endpoint} answers again${model ? ` and has ${model}` : ''}`,
  };
}

async function modelAnswers(f: FailureRecord, env: ExecuteEnv, strict: boolean): Promise<ExecuteResult> {
  const strategy: Strategy = strict ? 'retry' : 'fallback_model';
  const api = await env.api?.().catch(() => undefined);
  if (!api) return { strategy, outcome: 'skipped', detail: 'no model API available to verify' };
  try {
    const task: TaskRequest = {
      type: TASK_TYPES.includes(f.context.taskType as TaskType) ? (f.context.taskType as TaskType) : 'GENERAL',
      component: 'recovery',
      model: strict ? f.context.model : undefined,
      strictModel: strict,
      noCache: true,
      signal: env.signal,
      messages: [{ role: 'user', content: 'Recovery check: answer with healthy=true and word="ready".' }],
    };
    const a = await api.generateObject(task, RoundTripSchema);
    return { strategy, outcome: 'success', detail: `model ${a.model.alias} answers with valid structured output` };
  } catch (e) {
    return { strategy, outcome: 'failure', detail: (e as Error).message };
  }
}

async function pull(f: FailureRecord, env: ExecuteEnv): Promise<ExecuteResult> {
  const present = await serverAnswers(f, env);
  if (present.outcome === 'success')
    return { ...present, strategy: 'pull_model', detail: `${present.detail} (already present)` };
  const s = serverOf(f, env.config);
  if (s?.kind !== 'ollama' || !f.context.model)
    return { strategy: 'pull_model', outcome: 'skipped', detail: 'only Ollama models can be pulled' };
  if (refused(s.endpoint, env))
    return {
      strategy: 'pull_model',
      outcome: 'skipped',
      detail: `${s.endpoint} is not local; LOCAL_ONLY never contacts it`,
    };
  if (!env.allowPull) {
    // The probe above found the model still missing: the cause is there, whatever we may do about it.
    return {
      strategy: 'pull_model',
      outcome: present.outcome === 'failure' ? 'failure' : 'skipped',
      detail: `${present.detail}; pulling is off: rerun with --allow-pull or set local.allowPull (or run \`ollama pull ${f.context.model}\`)`,
    };
  }
  try {
    await pullModel(s.endpoint, f.context.model, {
      signal: env.signal,
      fetch: env.fetch,
      onProgress: (p) => env.onProgress?.({ type: 'pull', model: f.context.model, ...p }),
    });
    const after = await serverAnswers(f, env);
    return { ...after, strategy: 'pull_model', detail: `pulled ${f.context.model}; ${after.detail}` };
  } catch (e) {
    return { strategy: 'pull_model', outcome: 'failure', detail: (e as Error).message };
  }
}

async function coldLoad(f: FailureRecord, env: ExecuteEnv): Promise<ExecuteResult> {
  const s = serverOf(f, env.config);
  if (s?.kind !== 'ollama' || !f.context.model || refused(s.endpoint, env))
    return { ...(await serverAnswers(f, env)), strategy: 'raise_timeout' };
  const timeoutMs = env.config?.local.timeouts.requestMs ?? 600_000;
  const t0 = performance.now();
  const o = { timeoutMs, fetch: env.fetch, signal: env.signal };
  try {
    // Loading once with the long request timeout absorbs the cold start; keep_alive holds it warm.
    // An embedding model cannot generate: one embedding loads it.
    if (f.context.operation === 'embed') await embedDimension('ollama', s.endpoint, f.context.model, o);
    else await preloadModel(s.endpoint, f.context.model, env.config?.local.keepAlive ?? '10m', o);
    return {
      strategy: 'raise_timeout',
      outcome: 'success',
      detail: `loaded ${f.context.model} in ${Math.round(performance.now() - t0)} ms with a ${timeoutMs} ms timeout`,
    };
  } catch (e) {
    return { strategy: 'raise_timeout', outcome: 'failure', detail: (e as Error).message };
  }
}

function db(strategy: Strategy, env: ExecuteEnv): ExecuteResult {
  const path = env.dbPath ?? env.config?.dbPath;
  if (!path) return { strategy, outcome: 'skipped', detail: 'no database path known' };
  if (strategy === 'retry') {
    const w = canWrite(path);
    return {
      strategy,
      outcome: w.ok ? 'success' : 'failure',
      detail: w.ok ? 'database accepts writes again' : w.detail,
    };
  }
  // A database nothing can be read from is set aside rather than left blocking every command.
  const r = repairDatabase(path, Date.now(), { allowReset: true });
  return {
    strategy,
    outcome: r.ok ? 'success' : 'failure',
    detail: r.steps.map((s) => `${s.name}: ${s.detail}`).join('; '),
  };
}

/**
 * Runs the strategy the diagnosis recommends for a stored failure and says whether its cause is
 * gone: the server answers, the model is present (pulled if allowed), the model loads, the DB is
 * sound (repaired if needed), a model answers a small structured question. A success clears the
 * cause; it does not replay the operation that failed (resuming its run does, see recover-run.ts).
 */
export async function executeStrategy(f: FailureRecord, d: Diagnosis, env: ExecuteEnv): Promise<ExecuteResult> {
  const isDb = f.kind === 'db_busy' || f.kind === 'db_corrupt' || f.kind === 'disk_full';
  switch (d.recommendedStrategy) {
    case 'retry':
      if (isDb) return db('retry', env);
      if (f.kind === 'invalid_output' || f.kind === 'truncated_output') return modelAnswers(f, env, true);
      return serverAnswers(f, env);
    case 'repair_db':
      return db('repair_db', env);
    case 'pull_model':
      return pull(f, env);
    case 'raise_timeout':
      return coldLoad(f, env);
    case 'fallback_model':
      return modelAnswers(f, env, false);
    case 'shrink_input':
    case 'manual':
      return { strategy: d.recommendedStrategy, outcome: 'skipped', detail: d.fix ?? d.probableCause };
  }
}
