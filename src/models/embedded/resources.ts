import { readFileSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { ProviderError } from '../../errors.js';
import type { GgufInfo } from './gguf.js';

/**
 * CPU threads and memory for the embedded provider. node-llama-cpp defaults to max(4, cores)
 * threads; on a 2-core machine that oversubscribes the CPU and runs ~30× slower
 * (reference/storage-and-inference.md §2), so threads are always passed explicitly.
 */

/** Physical cores: unique (package, core) pairs in /proc/cpuinfo, capped by what this process may use. */
export function physicalCores(cpuinfo?: string, logical = availableParallelism()): number {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      text = '';
    }
  }
  const cores = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const pkg = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (pkg !== undefined && core !== undefined) cores.add(`${pkg}:${core}`);
  }
  // No topology (macOS, Windows, containers hiding it): assume 2-way SMT above 2 logical CPUs.
  const physical = cores.size || (logical > 2 ? Math.ceil(logical / 2) : logical);
  return Math.max(1, Math.min(physical, logical));
}

/** Below this size the per-token work is so small that thread synchronisation dominates. */
export const SINGLE_THREAD_BELOW_BYTES = 64 * 1024 * 1024;

/**
 * Threads for a model: the configured number when > 0, else one thread for tiny models and on
 * machines with at most 2 physical cores, else the physical core count. llama.cpp's threads
 * spin while they wait, so on 2 cores a second thread fights Node's own: measured on the 2-core
 * build box (bench/embedded.bench.mjs), 1 thread beat 2 for both a 0.5 MB model (82 vs 30
 * tok/s under load; 2,600 vs ~100 idle in the reference) and a 100 MB one (10 vs 3 tok/s).
 */
export function pickThreads(configured: number | undefined, modelBytes: number, cores = physicalCores()): number {
  if (configured && configured > 0) return configured;
  return modelBytes < SINGLE_THREAD_BELOW_BYTES || cores <= 2 ? 1 : cores;
}

/** Memory the process may still use: free memory, bounded by a cgroup limit when one is set. */
export function availableMemory(): number {
  const free = freemem();
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  // Node reports "no limit" as 0 or as a huge number.
  if (!limit || limit > 2 ** 52) return free;
  return Math.min(free, Math.max(0, limit - process.memoryUsage().rss));
}

/** Bytes a model needs loaded: weights plus an f16 KV cache for `contextSize`, plus runtime overhead. */
export function estimateModelMemory(info: GgufInfo, contextSize: number): number {
  const arch = info.architecture ?? '';
  const num = (k: string) => {
    const v = info.metadata[`${arch}.${k}`];
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
  };
  const layers = info.blockCount ?? 0;
  const embd = info.embeddingLength ?? 0;
  const heads = num('attention.head_count') ?? 1;
  const kvHeads = num('attention.head_count_kv') ?? heads;
  const kvDim = heads > 0 ? (embd / heads) * kvHeads : embd;
  const kvCache = 2 * layers * contextSize * kvDim * 2;
  return Math.ceil(info.sizeBytes * 1.05 + kvCache + 32 * 1024 * 1024);
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GiB`;

/** Throws before loading when the model cannot fit, instead of letting the OS swap or kill us. */
export function checkMemory(info: GgufInfo, contextSize: number, available = availableMemory()): void {
  const need = estimateModelMemory(info, contextSize);
  if (need <= available) return;
  throw new ProviderError(
    'PROVIDER_ERROR',
    `model ${info.path} needs about ${gib(need)} of memory but only ${gib(available)} is free`,
    {
      hint: 'close other programs, use a smaller quantization (e.g. Q4_K_M), or lower local.registry.<alias>.contextLength',
      retryable: false,
      details: {
        provider: 'llama-cpp',
        path: info.path,
        problem: 'insufficient-memory',
        needBytes: need,
        availableBytes: available,
      },
    },
  );
}
