import type { ZodType } from 'zod';
import { abortedError } from '../errors.js';
import { Keep } from './keep.js';
import type { NodeCaller, NodeCallSpec } from './node-call.js';
import type { BuiltPrompt } from './prompts.js';
import { ElementStream } from './stream-elements.js';

/** How one list-producing call (a chunk's tasks, a node's subtasks) turns its items into work. */
export interface ListCall<A, Item, N, R> {
  spec: Omit<NodeCallSpec<A>, 'stream'>;
  /** The answer's array property. */
  key: 'tasks' | 'subtasks';
  /** Schema of one element, the same the whole-answer schema applies to it. */
  element: ZodType<Item>;
  /** Most elements the answer schema accepts. */
  max: number;
  items: (answer: A) => Item[];
  /** The item at position i as a node (no dependencies yet; they need the whole answer). */
  toNode: (i: number, item: Item, model: string | undefined) => N;
  /**
   * The follow-up request for item i given the items 0..i, or undefined when the item is not expanded.
   * Must depend on nothing else, so a request made from the stream equals the one the final answer makes.
   */
  follow: (i: number, nodes: N[]) => BuiltPrompt | undefined;
  /** false = wait for the whole answer before starting follow-ups (benchmarks compare both). */
  pipelined?: boolean;
  /** Runs the follow-up of item i (its own keep and signal). */
  run: (i: number, nodes: N[], prompt: BuiltPrompt, keep: Keep, signal: AbortSignal) => Promise<R>;
}

interface Speculation<R> {
  index: number;
  /** The follow-up's exact request. */
  key: BuiltPrompt;
  ctl: AbortController;
  keep: Keep;
  result: Promise<R>;
}

/** What a list call gives back: the validated answer, its nodes, and the follow-up of each item. */
export interface ListResult<A, N, R> {
  value: A;
  model?: string;
  nodes: N[];
  /** Per item: the follow-up's result, or undefined when the item has none. */
  follow: (Promise<R> | undefined)[];
  /** Follow-ups started from the stream and dropped because the answer they came from changed. */
  discarded: number;
}

/**
 * Asks a list call and starts each item's follow-up as soon as the item is complete in the streamed
 * answer, while later items are still being generated (pipelined decomposition). Follow-ups are keyed
 * by their exact request: when the call is retried or re-asked, a follow-up whose request the new
 * answer asks again is kept; one the new answer no longer asks is cancelled at once (its request, or
 * the items before it, changed). When the validated answer is in, every follow-up it asks is either
 * adopted or started, and the rest are cancelled; if the call fails, all are. Nothing of a cancelled
 * follow-up is checkpointed (see Keep).
 */
export async function listCall<A, Item, N, R>(
  caller: NodeCaller,
  c: ListCall<A, Item, N, R>,
  runSignal: AbortSignal,
): Promise<ListResult<A, N, R>> {
  const specs: Speculation<R>[] = [];
  let discarded = 0;
  let attemptNodes: N[] = [];
  let stream: ElementStream | undefined;
  const drop = (s: Speculation<R>) => {
    specs.splice(specs.indexOf(s), 1);
    discarded++;
    s.keep.settle(false);
    s.ctl.abort(abortedError(undefined, 'speculative expansion cancelled: its parent answer changed'));
  };
  const start = (i: number, nodes: N[], prompt: BuiltPrompt, keep: Keep): Speculation<R> => {
    const ctl = new AbortController();
    const stop = () => ctl.abort(runSignal.reason);
    if (runSignal.aborted) stop();
    else runSignal.addEventListener('abort', stop, { once: true });
    const result = c
      .run(i, nodes, prompt, keep, ctl.signal)
      .finally(() => runSignal.removeEventListener('abort', stop));
    result.catch(() => undefined); // awaited (and its error seen) only if adopted
    return { index: i, key: prompt, ctl, keep, result };
  };
  const onElement = (i: number, raw: unknown) => {
    if (i !== attemptNodes.length) return; // elements arrive in order; a gap means the watch is confused
    const parsed = c.element.safeParse(raw);
    if (!parsed.success) {
      stream = undefined; // the answer will fail validation: stop speculating on it
      return;
    }
    attemptNodes.push(c.toNode(i, parsed.data, undefined));
    const prompt = c.follow(i, attemptNodes);
    for (const s of specs.filter((x) => x.index === i && !(prompt && sameRequest(x.key, prompt)))) drop(s);
    if (prompt && !specs.some((x) => x.index === i)) specs.push(start(i, [...attemptNodes], prompt, Keep.pending()));
  };

  let answer: { value: A; model?: string };
  try {
    answer = await caller.ask({
      ...c.spec,
      stream:
        c.pipelined === false
          ? undefined
          : {
              onAttempt: () => {
                attemptNodes = [];
                stream = new ElementStream(c.key, onElement, c.max);
              },
              onText: (delta) => stream?.write(delta),
            },
    });
  } catch (e) {
    for (const s of [...specs]) drop(s);
    throw e;
  }
  stream = undefined;

  const nodes = c.items(answer.value).map((it, i) => c.toNode(i, it, answer.model));
  const follow: (Promise<R> | undefined)[] = [];
  const adopted = new Set<Speculation<R>>();
  nodes.forEach((_n, i) => {
    const prompt = c.follow(i, nodes);
    if (!prompt) return void follow.push(undefined);
    const s = specs.find((x) => x.index === i && sameRequest(x.key, prompt));
    if (s) {
      adopted.add(s);
      s.keep.follow(c.spec.keep, true);
      follow.push(s.result);
    } else {
      const k = Keep.pending();
      k.follow(c.spec.keep, true);
      const fresh = start(i, nodes, prompt, k);
      follow.push(fresh.result);
    }
  });
  for (const s of specs.filter((x) => !adopted.has(x))) drop(s);
  return { value: answer.value, model: answer.model, nodes, follow, discarded };
}

/** Whether two requests are the same question (compared directly: hashing both cost more than comparing). */
function sameRequest(a: BuiltPrompt, b: BuiltPrompt): boolean {
  if (a.promptId !== b.promptId || a.messages.length !== b.messages.length) return false;
  return a.messages.every((m, i) => {
    const o = b.messages[i]!;
    return m.role === o.role && m.content === o.content;
  });
}
