import type { ResolvedConfig } from '../../config/schema.js';
import { isAppError } from '../../errors.js';
import { LlamaCppProvider } from '../providers/llama-cpp.js';
import { discoverEmbeddedModels } from './discover.js';

export { hasEmbeddedModels } from './discover.js';

/**
 * `health` for embedded models. Configured ones (registry entries and roles with provider
 * llama-cpp) are loaded and asked for one structured answer; GGUF files merely found in
 * local.modelDirs get the cheap header check. Imported by health only when the config names
 * embedded models, so other projects never load node-llama-cpp.
 */

/** Same shape as a health report line. */
export interface EmbeddedHealthCheck {
  name: string;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  detail: string;
  hint?: string;
  ms?: number;
}

const PROBE_SCHEMA = {
  type: 'object',
  properties: { ok: { type: 'boolean' } },
  required: ['ok'],
  additionalProperties: false,
};

/** Configured embedded models: model reference → label (alias or role). */
function configured(config: ResolvedConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const [alias, e] of Object.entries(config.local.registry))
    if (e.provider === 'llama-cpp') out.set(e.model, alias);
  for (const [role, r] of Object.entries(config.roles))
    if (r?.provider === 'llama-cpp' && !out.has(r.modelId)) out.set(r.modelId, `role ${role}`);
  return out;
}

async function loadAndAsk(
  model: string,
  label: string,
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv,
): Promise<EmbeddedHealthCheck> {
  const name = `embedded ${label}`;
  const t0 = performance.now();
  const p = new LlamaCppProvider({ endpoint: model, threads: config.local.threads, env });
  const h = await p.health();
  if (!h.ok)
    return {
      name,
      status: 'fail',
      detail: h.error ?? 'could not load',
      ...(h.hint ? { hint: h.hint } : {}),
      ms: Math.round(performance.now() - t0),
    };
  const info = p.inspect(model);
  if (info.poolingType !== undefined) {
    const [v] = await p.embed(model, ['health check']);
    return {
      name,
      status: 'pass',
      detail: `${model}: embedding model, ${v?.length ?? 0} dimensions (${h.version})`,
      ms: Math.round(performance.now() - t0),
    };
  }
  try {
    let text = '';
    for await (const c of p.chat({
      model,
      messages: [{ role: 'user', content: 'Reply with {"ok": true}.' }],
      jsonSchema: PROBE_SCHEMA,
      maxTokens: 32,
    })) {
      if (c.type === 'delta') text += c.text;
    }
    const ok = typeof (JSON.parse(text) as { ok?: unknown }).ok === 'boolean';
    return {
      name,
      status: ok ? 'pass' : 'fail',
      detail: `${model}: ${info.architecture}, context ${info.contextLength ?? '?'}, ${ok ? 'loaded in-process and returned schema-valid JSON' : 'answer did not match the schema'} (${h.version})`,
      ms: Math.round(performance.now() - t0),
    };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return {
      name,
      status: 'fail',
      detail: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
      ms: Math.round(performance.now() - t0),
    };
  }
}

/** One line per configured embedded model (loaded and asked) and per GGUF found or skipped in modelDirs. */
export async function embeddedHealthChecks(
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EmbeddedHealthCheck[]> {
  const checks: EmbeddedHealthCheck[] = [];
  const wanted = configured(config);
  for (const [model, label] of wanted) checks.push(await loadAndAsk(model, label, config, env));
  if (config.local.modelDirs.length) {
    const { models, skipped } = discoverEmbeddedModels({
      modelDirs: config.local.modelDirs,
      cwd: config.projectRoot,
      env,
      includeOllama: false,
    });
    const found = models.filter((m) => !wanted.has(m.model));
    checks.push({
      name: 'embedded files',
      status: models.length ? 'pass' : 'warn',
      detail: models.length
        ? `${models.length} GGUF model(s) in ${config.local.modelDirs.join(', ')}${found.length ? `: ${found.map((m) => `${m.model} (${m.family}, context ${m.contextLength ?? '?'})`).join('; ')}` : ''}`
        : `no GGUF files in ${config.local.modelDirs.join(', ')}`,
      ...(models.length
        ? {}
        : {
            hint: 'put .gguf files there, or add one with `task-master-local models --add <alias> --provider llama-cpp --model <file>`',
          }),
    });
    for (const s of skipped)
      checks.push({ name: 'embedded file', status: 'warn', detail: s.error, hint: 'remove or re-download that file' });
  }
  return checks;
}
