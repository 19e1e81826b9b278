import { fromTaskMasterOllamaURL } from '../config/hosts.js';
import { abortedError } from '../errors.js';
import { serverUrls, type ResolvedConfig } from '../config/schema.js';
import type { PrivacyContext } from './privacy.js';
import type { ModelRef, ProviderKind } from './types.js';

/** Edit distance, for "did you mean" suggestions. */
export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Up to `max` names close to `id`: containing it, or within a small edit distance. */
export function closeMatches(id: string, names: readonly string[], max = 5): string[] {
  const want = id.toLowerCase();
  const scored = names
    .map((n) => {
      const l = n.toLowerCase();
      const base = l.replace(/:latest$/, '');
      const d = Math.min(levenshtein(want, l), levenshtein(want, base));
      const contains = l.includes(want) || want.includes(base);
      return { n, score: contains ? 0 : d };
    })
    .filter((x) => x.score <= Math.max(2, Math.floor(want.length / 3)))
    .sort((a, b) => a.score - b.score || a.n.localeCompare(b.n));
  return scored.slice(0, max).map((x) => x.n);
}

/** How to bring up a server of this kind, for hints. */
export function serverHint(kind: ProviderKind, endpoint?: string): string {
  const at = endpoint ? ` at ${endpoint}` : '';
  switch (kind) {
    case 'ollama':
      return `start Ollama${at} with \`ollama serve\` (or set OLLAMA_HOST to where it runs)`;
    case 'lmstudio':
      return `start LM Studio's server${at} (\`lms server start\`) and load a model`;
    case 'localai':
      return `start LocalAI${at} (or set LOCAL_AI_HOST to where it runs)`;
    case 'llama-cpp':
      return 'put a .gguf file in a directory listed in local.modelDirs';
    case 'openai-compatible':
      return `start the OpenAI-compatible server${at}`;
    default:
      return `check the ${kind} API key in the environment and your network`;
  }
}

/** A pool member that did not answer discovery: the pool goes on with the others, and says so. */
export function warnUnreachableMembers(
  servers: readonly { endpoint: string; pool?: string; ok: boolean; skipped?: string; error?: string }[],
  refs: readonly ModelRef[],
  warn: (w: string) => void,
): void {
  const pools = new Map<string, string[]>();
  for (const s of servers) if (s.pool) pools.set(s.pool, [...(pools.get(s.pool) ?? []), s.endpoint]);
  for (const r of refs) if (r.endpoints && r.endpoints.length > 1) pools.set(`model ${r.alias}`, r.endpoints);
  for (const [where, members] of pools) {
    const down = servers.filter((s) => members.includes(s.endpoint) && !s.ok && !s.skipped);
    const up = members.length - down.length;
    for (const s of down)
      warn(
        `${where}: ${s.endpoint} is unreachable (${s.error ?? 'no answer'}); the pool works with the other ${up} endpoint${up === 1 ? '' : 's'}`,
      );
  }
}

/** Mode, its source and trusted hosts, from config. */
export function privacyOf(config: ResolvedConfig): PrivacyContext {
  return {
    mode: config.local.mode,
    modeSource: config.sources.mode ?? 'default',
    trustedHosts: config.local.trustedHosts,
  };
}

export function serverFor(kind: ProviderKind, servers: ResolvedConfig['local']['servers']): string | undefined {
  if (kind === 'ollama' || kind === 'lmstudio' || kind === 'localai') return serverUrls(servers[kind])[0];
  return undefined;
}

/** Waits for a shared promise; the caller's signal stops only this wait, never the shared work. */
export function waitFor<T>(p: Promise<T>, signal?: AbortSignal, what = 'model discovery cancelled'): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortedError(signal, what));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal, what));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Ollama's endpoint: OLLAMA_HOST > task-master's global.ollamaBaseURL (if not its default) > local.servers. */
export function ollamaEndpointOf(config: ResolvedConfig): string {
  const g = (config.raw.global as { ollamaBaseURL?: unknown } | undefined)?.ollamaBaseURL;
  if (
    !config.sources['servers.ollama'] &&
    typeof g === 'string' &&
    !/^https?:\/\/(localhost|127\.0\.0\.1):11434\/api\/?$/.test(g)
  ) {
    return fromTaskMasterOllamaURL(g);
  }
  return serverUrls(config.local.servers.ollama)[0] ?? 'http://127.0.0.1:11434';
}
