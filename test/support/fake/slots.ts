/** A model runner's slots and queue (see compute.ts for how requests use them). */
import { commonPrefix } from './tokens.js';

export interface Slot {
  id: number;
  busy: boolean;
  cache: string[];
  lastUsed: number;
  taskId: number;
  decoded: number;
}

export interface Waiter {
  prompt: string[];
  resolve: (slot: Slot | undefined) => void;
}

/** One model's runner: its slots, queue and cache. */
export class Engine {
  readonly slots: Slot[] = [];
  readonly waiting: Waiter[] = [];
  /** Recent sequences for a global prefix cache. */
  readonly history: string[][] = [];
  running = 0;

  constructor(readonly capacity: number) {
    if (Number.isFinite(capacity)) {
      for (let id = 0; id < capacity; id++)
        this.slots.push({ id, busy: false, cache: [], lastUsed: 0, taskId: -1, decoded: 0 });
    }
  }

  /** A free slot for this prompt (longest shared prefix, then least recently used), or undefined. */
  pick(prompt: string[], byPrefix: boolean): Slot | undefined {
    let best: Slot | undefined;
    let bestLen = -1;
    for (const s of this.slots) {
      if (s.busy) continue;
      const len = byPrefix ? commonPrefix(s.cache, prompt) : 0;
      if (len > bestLen || (len === bestLen && best && s.lastUsed < best.lastUsed)) {
        best = s;
        bestLen = len;
      }
    }
    return best;
  }

  clearCache(): void {
    for (const s of this.slots) s.cache = [];
    this.history.length = 0;
  }
}
