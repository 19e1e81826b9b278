/**
 * The compute model of the fake server: slots that run requests, a FIFO queue for the rest, a KV
 * cache per slot (or one global prefix cache, as vLLM's), prefill and decode costs in time, and the
 * token counters a real server reports. Without `compute` options the hub still counts tokens and
 * in-flight requests but runs everything at once and at no cost.
 */
import type { ServerResponse } from 'node:http';
import { pieces, sleep } from './http.js';
import { Engine, type Slot, type Waiter } from './slots.js';
import { commonPrefix, renderChat, tokenCount, tokenize } from './tokens.js';
import type { ComputeOptions, RequestRecord, RunUsage, SlotInfo, TokenStats } from './types.js';

export interface RunInput {
  path: string;
  model: string;
  messages: Array<{ role: string; content: string }>;
  /** A raw prompt (llama.cpp's /completion) instead of messages rendered through the chat template. */
  prompt?: string;
  /** false = evaluate the whole prompt (llama.cpp's cache_prompt: false). */
  reuseCache?: boolean;
  content: string;
  res: ServerResponse;
  /** Extra wait before the answer (a scripted reply's delayMs). */
  delayMs: number;
  /** Waits for the model to be loaded; resolves to the load time, or false when the client left. */
  load: () => Promise<number | false>;
}

/** One chat generation: wait (load, queue, prefill), then tokens paced at the decode rate. */
export interface Run {
  /** Resolves once the first token may be sent; false when the client went away meanwhile. */
  ready(): Promise<boolean>;
  /** The answer as stream deltas, each sent when its time comes (one token each under compute). */
  deltas(): AsyncGenerator<string>;
  /** Waits out the whole generation (non-streamed answers); false when the client left. */
  drain(): Promise<boolean>;
  usage(): RunUsage;
  /** Frees the slot and records the request; idempotent. */
  end(): void;
}

const now = () => performance.now();

/** All engines of a server, its counters and its request records. */
export class ComputeHub {
  private readonly engines = new Map<string, Engine>();
  readonly records: RequestRecord[] = [];
  private nextId = 1;

  constructor(
    private readonly opts: ComputeOptions | undefined,
    private readonly globalCache: boolean,
  ) {}

  get enabled(): boolean {
    return this.opts !== undefined;
  }

  /** Slots per model (reported by capacity endpoints); 1 when no compute model is set. */
  get slotCount(): number {
    return this.opts ? (this.opts.slots ?? 1) : 1;
  }

  engine(model: string): Engine {
    let e = this.engines.get(model);
    if (!e) {
      e = new Engine(this.opts ? (this.opts.slots ?? 1) : Number.POSITIVE_INFINITY);
      this.engines.set(model, e);
    }
    return e;
  }

  /** Drops every cached prefix (a model reload, or a test asking for a cold server). */
  clearCache(model?: string): void {
    for (const [name, e] of this.engines) if (!model || name === model) e.clearCache();
  }

  running(): number {
    let n = 0;
    for (const e of this.engines.values()) n += e.running;
    return n;
  }

  waiting(): number {
    let n = 0;
    for (const e of this.engines.values()) n += e.waiting.length;
    return n;
  }

  slots(model?: string): SlotInfo[] {
    const e = model ? this.engines.get(model) : this.engines.values().next().value;
    const list = e?.slots ?? [];
    if (list.length === 0) {
      return Array.from({ length: this.slotCount }, (_, id) => ({
        id,
        busy: id < (e?.running ?? 0),
        taskId: -1,
        cachedTokens: 0,
        decoded: 0,
      }));
    }
    return list.map((s) => ({
      id: s.id,
      busy: s.busy,
      taskId: s.taskId,
      cachedTokens: s.cache.length,
      decoded: s.decoded,
    }));
  }

  stats(): TokenStats {
    const sum = (k: keyof RequestRecord) => this.records.reduce((s, r) => s + (r[k] as number), 0);
    return {
      requests: this.records.length,
      promptTokens: sum('promptTokens'),
      cachedTokens: sum('cachedTokens'),
      evaluatedTokens: sum('evaluatedTokens'),
      generatedTokens: sum('generatedTokens'),
      records: this.records.map((r) => ({ ...r })),
    };
  }

  resetStats(): void {
    this.records.length = 0;
  }

  /** Waiters are released by their responses' close events; this empties every queue at once. */
  shutdown(): void {
    for (const e of this.engines.values()) for (const w of e.waiting.splice(0)) w.resolve(undefined);
  }

  start(input: RunInput): Run {
    return this.opts ? this.computeRun(input, this.opts) : this.freeRun(input);
  }

  /** No compute model: answer after the scripted delay, in small pieces, counting tokens only. */
  private freeRun(input: RunInput): Run {
    const engine = this.engine(input.model);
    const promptTokens = tokenCount(input.prompt ?? renderChat(input.messages));
    const usage: RunUsage = {
      slot: null,
      promptTokens,
      cachedTokens: 0,
      evaluatedTokens: promptTokens,
      generatedTokens: Math.max(1, tokenCount(input.content)),
      queuedMs: 0,
      loadMs: 0,
      prefillMs: 0,
      decodeMs: 0,
    };
    let counted = false;
    const { record } = this.recorder(input, usage);
    return {
      ready: async () => {
        engine.running++;
        counted = true;
        const load = await input.load();
        if (load === false) return false;
        usage.loadMs = load;
        return sleep(input.delayMs, input.res);
      },
      deltas: async function* () {
        yield* pieces(input.content);
      },
      drain: async () => !input.res.destroyed,
      usage: () => ({ ...usage }),
      end: () => {
        if (!counted) return;
        counted = false;
        engine.running--;
        record();
      },
    };
  }

  private computeRun(input: RunInput, o: ComputeOptions): Run {
    const engine = this.engine(input.model);
    const rendered = input.prompt ?? renderChat(input.messages);
    const prompt = tokenize(rendered);
    const answer = tokenize(input.content);
    const msPerToken = o.decodeTokensPerSec ? 1000 / o.decodeTokensPerSec : 0;
    const usage: RunUsage = {
      slot: null,
      promptTokens: prompt.length,
      cachedTokens: 0,
      evaluatedTokens: prompt.length,
      generatedTokens: 0,
      queuedMs: 0,
      loadMs: 0,
      prefillMs: 0,
      decodeMs: 0,
    };
    let slot: Slot | undefined;
    let emitted = '';
    let decodeStart = 0;
    let ended = false;
    let started = false;
    const { id, record } = this.recorder(input, usage);
    const res = input.res;

    const acquire = (): Promise<Slot | undefined> => {
      const free = engine.waiting.length === 0 ? engine.pick(prompt, !this.globalCache) : undefined;
      if (free) return Promise.resolve(free);
      return new Promise((resolve) => {
        const w: Waiter = { prompt, resolve };
        engine.waiting.push(w);
        res.once('close', () => {
          const i = engine.waiting.indexOf(w);
          if (i >= 0) engine.waiting.splice(i, 1);
          resolve(undefined);
        });
      });
    };

    return {
      ready: async () => {
        started = true;
        const load = await input.load();
        if (load === false) return false;
        usage.loadMs = load;
        const queuedAt = now();
        const s = await acquire();
        if (!s || res.destroyed) {
          if (s) this.release(engine, s);
          return false;
        }
        slot = s;
        s.busy = true;
        s.taskId = id;
        s.decoded = 0;
        engine.running++;
        usage.queuedMs = now() - queuedAt;
        usage.slot = s.id;
        const shared = input.reuseCache === false ? 0 : this.sharedPrefix(engine, s, prompt);
        const block = o.cacheBlock ?? (this.globalCache ? 16 : 1);
        usage.cachedTokens = Math.max(0, Math.min(Math.floor(shared / block) * block, prompt.length - 1));
        usage.evaluatedTokens = prompt.length - usage.cachedTokens;
        usage.prefillMs =
          o.promptTimeMs ?? (o.prefillTokensPerSec ? (usage.evaluatedTokens * 1000) / o.prefillTokensPerSec : 0);
        if (!(await sleep(usage.prefillMs + input.delayMs, res))) return false;
        decodeStart = now();
        return true;
      },
      deltas: async function* () {
        for (let i = 0; i < answer.length; i++) {
          const wait = decodeStart + (i + 1) * msPerToken - now();
          if (wait > 0 && !(await sleep(wait, res))) return;
          emitted += answer[i];
          usage.generatedTokens = i + 1;
          if (slot) slot.decoded = i + 1;
          yield answer[i]!;
        }
      },
      drain: async function () {
        for await (const _ of this.deltas()) {
          /* generation time passes */
        }
        return !res.destroyed;
      },
      usage: () => ({ ...usage, decodeMs: decodeStart ? now() - decodeStart : 0 }),
      end: () => {
        if (ended || !started) return;
        ended = true;
        usage.decodeMs = decodeStart ? now() - decodeStart : 0;
        if (slot) {
          // The slot keeps what it computed: the prompt and the tokens generated so far.
          slot.cache = tokenize(rendered + emitted);
          if (this.globalCache) {
            engine.history.push(slot.cache);
            if (engine.history.length > 256) engine.history.shift();
          }
          engine.running--;
          this.release(engine, slot);
        }
        record();
      },
    };
  }

  private sharedPrefix(engine: Engine, slot: Slot, prompt: string[]): number {
    if (this.opts?.cache === 'none') return 0;
    if (!this.globalCache) return commonPrefix(slot.cache, prompt);
    let best = 0;
    for (const s of engine.slots) best = Math.max(best, commonPrefix(s.cache, prompt));
    for (const h of engine.history) best = Math.max(best, commonPrefix(h, prompt));
    return best;
  }

  private release(engine: Engine, slot: Slot): void {
    slot.busy = false;
    slot.lastUsed = now();
    // FIFO: the oldest waiter takes the best free slot for its prompt.
    while (engine.waiting.length > 0) {
      const w = engine.waiting[0]!;
      const s = engine.pick(w.prompt, !this.globalCache);
      if (!s) break;
      engine.waiting.shift();
      s.busy = true;
      w.resolve(s);
      // The waiter marks the slot busy itself once it resumes; until then keep it reserved.
    }
  }

  private recorder(input: RunInput, usage: RunUsage): { id: number; record: () => void } {
    const id = this.nextId++;
    const start = Date.now();
    const record = () => {
      this.records.push({
        id,
        path: input.path,
        model: input.model,
        ...usage,
        start,
        end: Date.now(),
        aborted: input.res.destroyed && !input.res.writableEnded,
      });
    };
    return { id, record };
  }
}
