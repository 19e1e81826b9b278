import { splitLoraModel } from './lora.js';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isAppError } from '../../errors.js';
import type { ResolvedConfig } from '../../config/schema.js';
import type { DiscoveredModel } from '../types.js';
import { readGgufInfo, type GgufInfo } from './gguf.js';
import { listOllamaStore, OLLAMA_PREFIX, resolveOllamaModel, type StoreOptions } from './ollama-store.js';

/**
 * Finds GGUF models on disk: files under the configured `local.modelDirs` and every model Ollama
 * has pulled. Only the GGUF header is read, so listing is fast and needs no node-llama-cpp.
 */

/** Architectures of embedding-only models (no chat). */
const EMBEDDING_ARCHS = new Set([
  'bert',
  'nomic-bert',
  'nomic-bert-moe',
  'jina-bert-v2',
  'jina-bert-v3',
  't5encoder',
  'modern-bert',
]);
/** GGUF files that are not runnable models on their own (vision projectors, adapters). */
const NOT_A_MODEL = new Set(['clip', 'mllama_vision']);
const MAX_DEPTH = 3;

/** Options for discovery. */
export interface DiscoverOptions extends StoreOptions {
  modelDirs?: string[];
  /** Base for relative modelDirs (the project root). */
  cwd?: string;
  /** Also list Ollama's store (default true). */
  includeOllama?: boolean;
}

/** A file that looked like a model but could not be used, with the one-line reason. */
export interface SkippedModel {
  path: string;
  error: string;
}

/** Whether a GGUF describes an embedding model. */
export function isEmbeddingModel(info: GgufInfo): boolean {
  return info.poolingType !== undefined || EMBEDDING_ARCHS.has(info.architecture ?? '');
}

/** A DiscoveredModel for a GGUF file; `ref` is what goes into ModelRef.model (path or ollama:name). */
export function describeGguf(info: GgufInfo, ref = info.path): DiscoveredModel {
  const embedding = isEmbeddingModel(info);
  return {
    provider: 'llama-cpp',
    endpoint: ref,
    model: ref,
    sizeBytes: info.sizeBytes,
    contextLength: info.contextLength,
    family: info.architecture,
    capabilities: embedding ? ['embedding'] : ['completion'],
    embedding,
    path: info.path,
  };
}

function expandHome(p: string, home: string): string {
  return p === '~' || p.startsWith('~/') ? join(home, p.slice(1)) : p;
}

function ggufFiles(dir: string, depth: number, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory() && depth < MAX_DEPTH) ggufFiles(p, depth + 1, out);
    // Only the first shard of a split model is loadable by path.
    else if (e.isFile() && /\.gguf$/i.test(e.name) && Number(/-(\d+)-of-\d+\.gguf$/i.exec(e.name)?.[1] ?? 1) === 1)
      out.push(p);
  }
}

/** GGUF models in the configured directories and Ollama's store, plus files that were skipped and why. */
export function discoverEmbeddedModels(opts: DiscoverOptions = {}): {
  models: DiscoveredModel[];
  skipped: SkippedModel[];
} {
  const env = opts.env ?? process.env;
  const home = opts.home ?? env.HOME ?? homedir();
  const models: DiscoveredModel[] = [];
  const skipped: SkippedModel[] = [];
  const add = (path: string, ref?: string) => {
    try {
      const info = readGgufInfo(path);
      if (NOT_A_MODEL.has(info.architecture ?? '')) return;
      models.push(describeGguf(info, ref));
    } catch (e) {
      if (!isAppError(e)) throw e;
      skipped.push({ path: ref ?? path, error: e.message });
    }
  };
  const files: string[] = [];
  for (const d of opts.modelDirs ?? []) ggufFiles(resolve(opts.cwd ?? process.cwd(), expandHome(d, home)), 0, files);
  for (const f of [...new Set(files)]) add(f);
  if (opts.includeOllama !== false) {
    for (const m of listOllamaStore({ env, home })) add(m.blob, m.ref);
  }
  return { models, skipped };
}

/** Label of the in-process "server" in model listings. */
export const EMBEDDED_ENDPOINT = 'in-process (llama.cpp)';

/**
 * Embedded models as one pseudo-server for the catalog: present when modelDirs are configured or
 * any GGUF was found (so projects without embedded models see no change), never probed over HTTP.
 */
export function embeddedServerStatus(
  local: { modelDirs: string[] },
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
) {
  const { models, skipped } = discoverEmbeddedModels({ modelDirs: local.modelDirs, cwd, env });
  if (models.length === 0 && local.modelDirs.length === 0 && skipped.length === 0) return [];
  const problems = skipped.map((s) => `${s.path}: ${s.error}`);
  return [
    {
      kind: 'llama-cpp' as const,
      endpoint: EMBEDDED_ENDPOINT,
      local: true,
      ok: true,
      models,
      ...(problems.length
        ? {
            error: `skipped ${problems.length} file(s): ${problems.join('; ')}`,
            hint: 'remove or re-download those files',
          }
        : {}),
    },
  ];
}

/** GGUF header of a llama-cpp model reference (path or ollama:<name>); throws one-line ProviderErrors. */
export function inspectModelRef(model: string, opts: StoreOptions = {}): GgufInfo {
  const base = splitLoraModel(model).base;
  return readGgufInfo(base.startsWith(OLLAMA_PREFIX) ? resolveOllamaModel(base, opts) : resolve(base));
}

/** Whether the config names embedded models or model directories (health loads its embedded checks only then). */
export function hasEmbeddedModels(config: Pick<ResolvedConfig, 'local' | 'roles'>): boolean {
  return (
    config.local.modelDirs.length > 0 ||
    Object.values(config.local.registry).some((e) => e.provider === 'llama-cpp') ||
    Object.values(config.roles).some((r) => r?.provider === 'llama-cpp')
  );
}
