import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ProviderError } from '../../errors.js';

/**
 * Ollama keeps every pulled model as a GGUF blob: manifests/<registry>/<namespace>/<name>/<tag>
 * is a JSON manifest whose layer of mediaType `application/vnd.ollama.image.model` names the
 * blob `blobs/sha256-<hex>`. Reading that lets the embedded provider run pulled models with
 * no server.
 */

/** Prefix that marks an Ollama model name where a GGUF path is expected. */
export const OLLAMA_PREFIX = 'ollama:';

const MODEL_MEDIA_TYPE = 'application/vnd.ollama.image.model';
const DEFAULT_REGISTRY = 'registry.ollama.ai';
const DEFAULT_NAMESPACE = 'library';

/** Options that locate Ollama's store; defaults follow Ollama (OLLAMA_MODELS, else ~/.ollama/models). */
export interface StoreOptions {
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** Ollama's model directory. */
export function ollamaModelsDir(opts: StoreOptions = {}): string {
  const env = opts.env ?? process.env;
  return env.OLLAMA_MODELS || join(opts.home ?? env.HOME ?? homedir(), '.ollama', 'models');
}

/** A parsed Ollama model name: `[registry/][namespace/]name[:tag]`. */
export interface OllamaName {
  registry: string;
  namespace: string;
  name: string;
  tag: string;
}

/** Splits a model name the way Ollama does; `llama3.2` → registry.ollama.ai/library/llama3.2:latest. */
export function parseOllamaName(ref: string): OllamaName {
  const s = ref.startsWith(OLLAMA_PREFIX) ? ref.slice(OLLAMA_PREFIX.length) : ref;
  const colon = s.lastIndexOf(':');
  const slash = s.lastIndexOf('/');
  const [path, tag] = colon > slash ? [s.slice(0, colon), s.slice(colon + 1)] : [s, 'latest'];
  const parts = path.split('/').filter(Boolean);
  const name = parts.pop() ?? '';
  const namespace = parts.pop() ?? DEFAULT_NAMESPACE;
  const registry = parts.length ? parts.join('/') : DEFAULT_REGISTRY;
  return { registry, namespace, name, tag: tag || 'latest' };
}

/** The short name Ollama prints: `llama3.2:latest`, `user/model:tag`, `host/ns/model:tag`. */
export function displayOllamaName(n: OllamaName): string {
  if (n.registry !== DEFAULT_REGISTRY) return `${n.registry}/${n.namespace}/${n.name}:${n.tag}`;
  if (n.namespace !== DEFAULT_NAMESPACE) return `${n.namespace}/${n.name}:${n.tag}`;
  return `${n.name}:${n.tag}`;
}

function notFound(ref: string, why: string): ProviderError {
  return new ProviderError('MODEL_NOT_FOUND', `Ollama model '${ref}' has no local blob: ${why}`, {
    hint: `pull it first (\`ollama pull ${ref.replace(OLLAMA_PREFIX, '')}\`), or set OLLAMA_MODELS to the directory Ollama stores models in`,
    retryable: false,
    details: { provider: 'llama-cpp', model: ref, problem: 'no-ollama-blob' },
  });
}

/** Path of the GGUF blob of a pulled Ollama model; throws MODEL_NOT_FOUND with a pull hint. */
export function resolveOllamaModel(ref: string, opts: StoreOptions = {}): string {
  const n = parseOllamaName(ref);
  const dir = ollamaModelsDir(opts);
  if (!n.name) throw notFound(ref, 'empty model name');
  const manifest = join(dir, 'manifests', n.registry, n.namespace, n.name, n.tag);
  if (!existsSync(manifest)) throw notFound(ref, `no manifest at ${manifest}`);
  let layers: Array<{ mediaType?: string; digest?: string }>;
  try {
    layers = (JSON.parse(readFileSync(manifest, 'utf8')) as { layers?: typeof layers }).layers ?? [];
  } catch {
    throw notFound(ref, `manifest ${manifest} is not valid JSON`);
  }
  const layer = layers.find((l) => l.mediaType === MODEL_MEDIA_TYPE);
  if (!layer?.digest || !/^sha256:[0-9a-f]{64}$/.test(layer.digest))
    throw notFound(ref, 'the manifest lists no model layer');
  const blob = join(dir, 'blobs', layer.digest.replace(':', '-'));
  if (!existsSync(blob)) throw notFound(ref, `blob ${blob} is missing`);
  return blob;
}

/** One pulled model found in Ollama's store. */
export interface StoredOllamaModel {
  /** `ollama:<display name>`, usable as a llama-cpp model reference. */
  ref: string;
  name: string;
  blob: string;
  sizeBytes: number;
}

function dirs(p: string): string[] {
  try {
    return readdirSync(p, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/** Every pulled model whose blob is present (models missing their blob are left out). */
export function listOllamaStore(opts: StoreOptions = {}): StoredOllamaModel[] {
  const root = join(ollamaModelsDir(opts), 'manifests');
  const out: StoredOllamaModel[] = [];
  for (const registry of dirs(root)) {
    for (const namespace of dirs(join(root, registry))) {
      for (const name of dirs(join(root, registry, namespace))) {
        let tags: string[];
        try {
          tags = readdirSync(join(root, registry, namespace, name));
        } catch {
          continue;
        }
        for (const tag of tags) {
          const display = displayOllamaName({ registry, namespace, name, tag });
          try {
            const blob = resolveOllamaModel(display, opts);
            out.push({ ref: OLLAMA_PREFIX + display, name: display, blob, sizeBytes: statSync(blob).size });
          } catch {
            // A half-pulled or pruned model: not runnable, so not listed.
          }
        }
      }
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
