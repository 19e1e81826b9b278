/**
 * Model loading as local servers do it. Ollama and LM Studio load a model on its first request and
 * hold that request (no headers) until the load is done; other requests for the model wait for the
 * same load; `/api/ps` lists the model meanwhile. A different `num_ctx` on Ollama reloads the model,
 * and a reload (or an unload) loses the KV cache. llama.cpp loads its one model at start and answers
 * 503 "Loading model" until then (see flavors.ts).
 */
import { untilClosed } from './http.js';
import type { Core } from './route.js';
import type { FakeModel } from './types.js';
import type { ServerResponse } from 'node:http';

/** A load in progress. */
export interface Loading {
  since: number;
  until: number;
  done: Promise<void>;
}

export interface LoadState {
  /** Model name → time it was last used (for /api/ps). */
  loaded: Map<string, number>;
  loading: Map<string, Loading>;
  /** Model name → the num_ctx it was loaded with. */
  numCtx: Map<string, unknown>;
  /** Timers to clear on close(). */
  timers: Set<NodeJS.Timeout>;
}

export function newLoadState(preload: string[] = []): LoadState {
  return {
    loaded: new Map(preload.map((n) => [n, Date.now()])),
    loading: new Map(),
    numCtx: new Map(),
    timers: new Set(),
  };
}

/**
 * Waits until `model` is loaded; resolves to the time waited, or false if the client left first.
 * `forceMs` (a slow-load fault) reloads the model whatever its state.
 */
export async function ensureLoaded(
  core: Core,
  model: FakeModel,
  res: ServerResponse,
  opts: { numCtx?: unknown; forceMs?: number } = {},
): Promise<number | false> {
  if (core.flavor === 'llamacpp') return 0;
  const name = model.name;
  const t0 = Date.now();
  const wait = async (l: Loading): Promise<number | false> => {
    const ok = await Promise.race([l.done.then(() => true), untilClosed(res).then(() => false)]);
    return ok && !res.destroyed ? Date.now() - t0 : false;
  };
  const current = core.loading.get(name);
  if (current && opts.forceMs === undefined) return wait(current);
  const ctxChanged =
    opts.numCtx !== undefined &&
    core.loaded.has(name) &&
    core.numCtx.get(name) !== undefined &&
    core.numCtx.get(name) !== opts.numCtx;
  if (core.loaded.has(name) && !ctxChanged && opts.forceMs === undefined) {
    core.loaded.set(name, Date.now());
    return 0;
  }
  // A (re)load starts with an empty KV cache.
  core.hub.clearCache(name);
  if (opts.numCtx !== undefined) core.numCtx.set(name, opts.numCtx);
  const ms = opts.forceMs ?? model.loadMs ?? core.loadMs;
  if (ms <= 0) {
    core.loaded.set(name, Date.now());
    return 0;
  }
  core.loaded.delete(name);
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      core.timers.delete(timer!);
      core.loading.delete(name);
      core.loaded.set(name, Date.now());
      resolve();
    }, ms);
  });
  core.timers.add(timer!);
  const l: Loading = { since: t0, until: t0 + ms, done };
  core.loading.set(name, l);
  return wait(l);
}

/** Unloads a model (keep_alive 0): it leaves /api/ps and its KV cache is gone. */
export function unload(core: Core, name: string): void {
  core.loaded.delete(name);
  core.hub.clearCache(name);
}

/** Whether llama.cpp's start-up load is still running (it answers 503 meanwhile). */
export function serverLoading(core: Core): boolean {
  return core.flavor === 'llamacpp' && Date.now() < core.startedAt + core.loadMs;
}
