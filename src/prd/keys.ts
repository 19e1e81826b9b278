import { createHash } from 'node:crypto';

/** sha256 hex of the parts joined by NUL. */
export function hash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** Options that change the plan; anything else (concurrency, UI) must not change the key. */
export interface KeyOptions {
  numTasks: number;
  maxDepth: number;
  model?: string;
  complexityThreshold: number;
  contextLength: number;
}

/** Identifies a PRD + plan-shaping options: checkpoints of one run key are interchangeable. */
export function runKey(prdHash: string, o: KeyOptions): string {
  return hash(
    'prd-run/1',
    prdHash,
    String(o.numTasks),
    String(o.maxDepth),
    o.model ?? '',
    String(o.complexityThreshold),
    String(o.contextLength),
  );
}

/** Deterministic key of one node: the run key, its path, and the exact request sent for it. */
export function nodeKey(rk: string, path: string, promptId: string, messagesJson: string): string {
  return hash('prd-node/1', rk, path, promptId, messagesJson);
}
