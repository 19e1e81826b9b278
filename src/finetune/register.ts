/**
 * Registering a LoRA adapter with its base model, for the two runtimes that can apply one: an
 * embedded GGUF (node-llama-cpp loads base + adapter in-process) or an Ollama server (the adapter
 * pushed as a blob, the model created from the base). The adapter is checked against the base
 * before anything loads or is created: a LoRA GGUF of the same architecture, fitting its tensors.
 */
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelEntry } from '../config/schema.js';
import { inspectModelRef } from '../models/embedded/discover.js';
import { readGgufInfo } from '../models/embedded/gguf.js';
import { checkLoraAdapter, LORA_SEPARATOR } from '../models/embedded/lora.js';
import { OLLAMA_PREFIX } from '../models/embedded/ollama-store.js';
import { createOllamaModelWithAdapter, ollamaModelFamily } from '../models/providers/ollama-create.js';
import { readFileBytes } from '../util/fs.js';

export interface RegisterInput {
  adapter: string;
  base: string;
  alias: string;
  /** Directory adapters of embedded registrations are copied to (the trainer's output may be cleaned). */
  adaptersDir: string;
  registry: Record<string, ModelEntry>;
  ollamaEndpoint: string;
  onStatus?: (s: string) => void;
  signal?: AbortSignal;
}

/** What to register: the alias entry, and how the adapter was attached. */
export interface Registration {
  runtime: 'embedded' | 'ollama';
  entry: { provider: 'llama-cpp' | 'ollama'; model: string; endpoint?: string };
  base: string;
  adapter: string;
  adapterTensors: number;
  alpha?: number;
  /** Ollama: the blob digest of the adapter. */
  digest?: string;
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** Where the base runs: an embedded GGUF (path, `ollama:<name>`, llama-cpp alias) or an Ollama model. */
function locateBase(
  base: string,
  registry: Record<string, ModelEntry>,
  cwd: string,
): { embedded: string } | { embedded?: undefined; ollama: string; endpoint?: string | undefined } {
  const reg = registry[base];
  if (reg?.provider === 'llama-cpp') return { embedded: reg.model };
  if (reg?.provider === 'ollama') return { ollama: reg.model, endpoint: reg.endpoint };
  if (base.startsWith(OLLAMA_PREFIX)) return { embedded: base };
  if (base.endsWith('.gguf') || isFile(resolve(cwd, base))) return { embedded: resolve(cwd, base) };
  return { ollama: base };
}

/** Checks the adapter against the base and attaches it; nothing is written to config here. */
export async function attachAdapter(o: RegisterInput, cwd: string): Promise<Registration> {
  const adapterPath = resolve(cwd, o.adapter);
  const adapter = readGgufInfo(adapterPath);
  const where = locateBase(o.base, o.registry, cwd);
  if (where.embedded !== undefined) {
    const baseInfo = inspectModelRef(where.embedded);
    const fit = checkLoraAdapter(baseInfo, adapter);
    mkdirSync(o.adaptersDir, { recursive: true });
    const kept = join(o.adaptersDir, `${o.alias.replace(/[^\w.-]/g, '_')}.gguf`);
    if (resolve(kept) !== adapterPath) copyFileSync(adapterPath, kept);
    return {
      runtime: 'embedded',
      entry: { provider: 'llama-cpp', model: `${where.embedded}${LORA_SEPARATOR}${kept}` },
      base: where.embedded,
      adapter: kept,
      adapterTensors: fit.tensors,
      ...(fit.alpha !== undefined ? { alpha: fit.alpha } : {}),
    };
  }
  const endpoint = where.endpoint ?? o.ollamaEndpoint;
  const family = await ollamaModelFamily(endpoint, where.ollama);
  const fit = checkLoraAdapter(
    { path: `${where.ollama} on ${endpoint}`, architecture: family ?? adapter.architecture },
    adapter,
  );
  const made = await createOllamaModelWithAdapter({
    endpoint,
    name: o.alias,
    from: where.ollama,
    adapter: readFileBytes(adapterPath),
    adapterFile: 'adapter.gguf',
    ...(o.onStatus ? { onStatus: o.onStatus } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return {
    runtime: 'ollama',
    entry: { provider: 'ollama', model: made.model, endpoint },
    base: where.ollama,
    adapter: adapterPath,
    adapterTensors: fit.tensors,
    ...(fit.alpha !== undefined ? { alpha: fit.alpha } : {}),
    digest: made.digest,
  };
}
