import { hash32, makeRng, promptWords, sentence } from './rng.js';
import { schemaInstance } from './schema-instance.js';
import type { AnswerShape, FakeModel, FakeReply, FaultKind, Planned, ScriptContext } from './types.js';

/** Result of planning a chat answer: an HTTP error, or an answer to frame. */
export type Outcome =
  | { type: 'error'; status: number; message: string }
  | { type: 'answer'; planned: Planned; delayMs: number };

/** Whether two model names are the same, treating a missing tag as ":latest". */
export function sameModel(a: string, b: string): boolean {
  const norm = (n: string) => (n.includes(':') ? n : `${n}:latest`).toLowerCase();
  return norm(a) === norm(b);
}

/** Finds a present (pulled) model by name. */
export function findModel(models: FakeModel[], name: string): FakeModel | undefined {
  return models.find((m) => m.pulled !== false && sameModel(m.name, name));
}

/** State the planner needs: queued replies, the script and the answer sizes. */
export interface AnswerState {
  queue: FakeReply[];
  script?: (ctx: ScriptContext) => FakeReply | undefined;
  answers?: AnswerShape;
}

/**
 * Decides the answer to one chat request: a queued reply for this model, else the script's
 * reply, else the default (schema instance / JSON-mode object / sentence from prompt words),
 * then shapes it with a content fault if one applies. Deterministic for the same raw body.
 */
export function planAnswer(
  state: AnswerState,
  ctx: ScriptContext & { jsonMode: boolean; raw: string; servedModel: string },
  fault: FaultKind | undefined,
): Outcome {
  const idx = state.queue.findIndex((r) => !r.model || sameModel(r.model, ctx.model));
  const reply = idx >= 0 ? state.queue.splice(idx, 1)[0] : state.script?.(ctx);
  if (reply && (reply.status !== undefined || reply.error !== undefined)) {
    return { type: 'error', status: reply.status ?? 500, message: reply.error ?? `scripted error ${reply.status}` };
  }
  const text = ctx.messages.map((m) => m.content).join('\n');
  const words = promptWords(text);
  const rng = makeRng(hash32(ctx.raw));
  let value: unknown;
  let content: string;
  if (reply?.content !== undefined) content = reply.content;
  else if (reply && 'json' in reply) content = JSON.stringify((value = reply.json));
  else if (ctx.schema) content = JSON.stringify((value = schemaInstance(ctx.schema, rng, words, state.answers)));
  else if (ctx.jsonMode) content = JSON.stringify((value = { answer: sentence(rng, words) }));
  else content = sentence(rng, words);
  const planned: Planned = {
    content,
    finishReason: 'stop',
    model: ctx.servedModel,
  };
  if (fault) shape(planned, fault, value, words);
  return { type: 'answer', planned, delayMs: reply?.delayMs ?? 0 };
}

function shape(p: Planned, fault: FaultKind, value: unknown, words: string[]): void {
  const w = words[0]!.toLowerCase();
  switch (fault.kind) {
    case 'malformed':
      p.content = `Here you go: {${w}: "${w}", oops`;
      break;
    case 'truncated':
      p.content = Array.from(p.content)
        .slice(0, Math.max(1, Math.floor(Array.from(p.content).length / 2)))
        .join('');
      p.finishReason = 'length';
      break;
    case 'schema-break':
      p.content = JSON.stringify(breakValue(value === undefined ? safeParse(p.content) : value));
      break;
    case 'fenced':
      p.content = `\`\`\`json\n${p.content}\n\`\`\``;
      break;
    case 'prose':
      p.content = `Sure! Here is the JSON you asked for:\n${p.content}\nLet me know if you need anything else.`;
      break;
    case 'think':
      p.content = `<think>\nThe user asks about ${words.slice(0, 3).join(' ')}; I should answer in JSON {like this}.\n</think>\n${p.content}`;
      break;
    case 'mid-stream-error':
      p.midStreamError = {
        afterPieces: 2,
        message: fault.message ?? 'an error was encountered while running the model',
      };
      break;
    case 'stall':
      p.stallAfter = fault.afterPieces ?? 2;
      break;
    case 'die':
      p.dieAfter = fault.afterPieces ?? 0;
      break;
    case 'no-done':
      p.noDone = true;
      break;
    default:
      break;
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Valid JSON of the wrong shape: each property (or the root) gets a value of another type. */
function breakValue(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return ['not', 'an', 'object'];
    return Object.fromEntries(entries.map(([k, x]) => [k, wrongType(x)]));
  }
  return wrongType(v);
}

function wrongType(x: unknown): unknown {
  if (typeof x === 'string') return 42;
  if (x === null) return 42;
  if (Array.isArray(x)) return 'not-an-array';
  if (typeof x === 'object') return 'not-an-object';
  return 'not-a-number';
}
