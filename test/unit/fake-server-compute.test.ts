import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  renderChat,
  startFakeServer,
  tokenize,
  type FakeServer,
  type FakeServerOptions,
} from '../support/fake-llm-server.js';

import { makeRng } from '../support/fake/rng.js';
import { TOKEN_PATTERN, tokenCount } from '../support/fake/tokens.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(opts: FakeServerOptions): Promise<FakeServer> {
  fake = await startFakeServer(opts);
  return fake;
}

type Msg = { role: string; content: string };
const SYSTEM = 'You plan software work. Answer with JSON that matches the schema exactly.';
const PRD = 'Product: a billing service with invoices, payment retries, dunning emails and a ledger export.';
const chat = (s: FakeServer, messages: Msg[], extra: Record<string, unknown> = {}) =>
  fetch(`${s.url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ model: 'llama3.2', messages, stream: false, ...extra }),
  }).then((r) => r.json() as Promise<Record<string, unknown>>);
const promptOf = (messages: Msg[]) => tokenize(renderChat(messages));
const sharedLen = (a: string[], b: string[]) => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
};
const waitFor = async (cond: () => boolean | Promise<boolean>) => {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
};

describe('fake server tokenizer', () => {
  it('is lossless, cuts long words in 4-character pieces and keeps template markers whole', () => {
    const text = 'Implementation of <|im_start|>user\n  billing: 42 invoices!';
    const toks = tokenize(text);
    expect(toks.join('')).toBe(text);
    expect(toks.slice(0, 4)).toEqual(['Impl', 'emen', 'tati', 'on']);
    expect(toks).toContain(' <|im_start|>');
    expect(tokenize('a  ')).toEqual(['a', '  ']);
  });

  it('scans exactly as its defining pattern does, on random texts with markers, Unicode and odd spaces', () => {
    const parts = [
      'a',
      'B',
      '7',
      ' ',
      '  ',
      '\n',
      '\t',
      '<|im_start|>',
      '<|',
      '|>',
      '<|x|',
      'é',
      '日本',
      '😀',
      '\u00a0',
      '-',
      '{',
      'über',
      'words',
      '\u2028',
      '<|_|>',
    ];
    const rng = makeRng(7);
    for (let t = 0; t < 1000; t++) {
      let text = '';
      for (let i = Math.floor(rng() * 30); i > 0; i--) text += parts[Math.floor(rng() * parts.length)];
      const reference = text.match(TOKEN_PATTERN) ?? [];
      expect(tokenize(text), JSON.stringify(text)).toEqual(reference);
      expect(tokenCount(text)).toBe(reference.length);
    }
  });

  it('renders a shared leading block of messages to a shared token prefix', () => {
    const a = promptOf([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `${PRD}\nExpand task 1: invoices.` },
    ]);
    const b = promptOf([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `${PRD}\nExpand task 2: retries.` },
    ]);
    const lead = promptOf([{ role: 'system', content: SYSTEM }]).length - 3; // up to the assistant opener
    expect(sharedLen(a, b)).toBeGreaterThan(lead + tokenize(PRD).length);
    expect(a.length).not.toBe(sharedLen(a, b));
  });
});

describe('fake server compute model: KV cache and counters', () => {
  const first: Msg[] = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `${PRD}\nExpand task 1 into subtasks.` },
  ];
  const sibling: Msg[] = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `${PRD}\nExpand task 2 into subtasks.` },
  ];

  it('reuses the slot cache: prompt_eval_count counts only uncached tokens, as Ollama reports it', async () => {
    const s = await start({ compute: { slots: 1, prefillTokensPerSec: 100_000 } });
    const a = await chat(s, first);
    const b = await chat(s, sibling);
    const again = await chat(s, sibling);
    const pa = promptOf(first);
    const pb = promptOf(sibling);
    expect(a.prompt_eval_count).toBe(pa.length);
    expect(b.prompt_eval_count).toBe(pb.length - sharedLen(pa, pb));
    // A repeated prompt is evaluated from its last token only (llama.cpp and Ollama keep n-1 cached).
    expect(again.prompt_eval_count).toBe(1);
    expect(b.prompt_eval_duration).toBe(Math.round(((pb.length - sharedLen(pa, pb)) * 1e9) / 100_000));
    const t = s.tokens();
    expect(t.records.map((r) => [r.slot, r.cachedTokens])).toEqual([
      [0, 0],
      [0, sharedLen(pa, pb)],
      [0, pb.length - 1],
    ]);
    expect(t.promptTokens).toBe(pa.length + 2 * pb.length);
    expect(t.cachedTokens).toBe(sharedLen(pa, pb) + pb.length - 1);
    expect(t.evaluatedTokens).toBe(t.promptTokens - t.cachedTokens);
    expect(t.generatedTokens).toBe(t.records.reduce((n, r) => n + r.generatedTokens, 0));
    expect(a.eval_count).toBe(t.records[0]!.generatedTokens);
  });

  it('keeps prompt + answer in the slot, so a re-ask that repeats the answer reuses all of it', async () => {
    const s = await start({ compute: { slots: 1 } });
    const a = await chat(s, first);
    const answer = (a.message as { content: string }).content;
    const reask: Msg[] = [
      ...first,
      { role: 'assistant', content: answer },
      { role: 'user', content: 'Fix: title missing.' },
    ];
    await chat(s, reask);
    const cached = s.tokens().records[1]!.cachedTokens;
    expect(cached).toBe(tokenize(renderChat(first) + answer).length);
    expect(s.slots()[0]).toMatchObject({ id: 0, busy: false, cachedTokens: expect.any(Number) });
    s.clearCache();
    await chat(s, first);
    expect(s.tokens().records[2]!.cachedTokens).toBe(0);
  });

  it('loses the cache when Ollama reloads the model for another num_ctx', async () => {
    const s = await start({ compute: { slots: 1 } });
    await chat(s, first, { options: { num_ctx: 8192 } });
    await chat(s, first, { options: { num_ctx: 8192 } });
    await chat(s, first, { options: { num_ctx: 4096 } });
    expect(s.tokens().records.map((r) => r.cachedTokens)).toEqual([0, promptOf(first).length - 1, 0]);
  });

  /** A streamed request that holds its slot (it stalls after one token) until `abort()`. */
  const holder = (s: FakeServer, messages: Msg[]) => {
    const ctl = new AbortController();
    s.fault({ kind: 'stall', afterPieces: 1 });
    const done = fetch(`${s.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2', messages }),
      signal: ctl.signal,
    })
      .then((r) => r.text())
      .catch(() => 'aborted');
    return { abort: () => ctl.abort(), done };
  };

  it('takes the free slot with the longest shared prefix (llama.cpp slot choice)', async () => {
    const s = await start({ compute: { slots: 2 } });
    const other: Msg[] = [{ role: 'user', content: 'Research question: how do ledgers reconcile payments?' }];
    // A holds slot 0, so B lands in slot 1; later requests follow their prefixes.
    const a = holder(s, first);
    await waitFor(() => s.slots()[0]!.busy);
    await chat(s, other);
    a.abort();
    await a.done;
    await waitFor(() => s.inFlight().running === 0);
    await chat(s, [{ role: 'user', content: 'Research question: how do ledgers close?' }]);
    await chat(s, sibling);
    expect(s.tokens().records.map((r) => r.slot)).toEqual([1, 0, 1, 0]);
    expect(s.tokens().records[1]!.aborted).toBe(true);
  });

  it('queues requests FIFO behind the busy slot and records the wait', async () => {
    const s = await start({ compute: { slots: 1, decodeTokensPerSec: 1000 } });
    const a = holder(s, [{ role: 'user', content: 'request a' }]);
    await waitFor(() => s.inFlight().running === 1);
    s.script(() => ({ content: 'step '.repeat(20) }));
    const order: string[] = [];
    const send = (tag: string) =>
      chat(s, [{ role: 'user', content: `request ${tag}` }]).then(() => void order.push(tag));
    const b = send('b');
    await waitFor(() => s.inFlight().waiting === 1);
    const c = send('c');
    await waitFor(() => s.inFlight().waiting === 2);
    expect(s.tokens().requests).toBe(0);
    a.abort();
    await Promise.all([a.done, b, c]);
    expect(order).toEqual(['b', 'c']);
    const [ra, rb, rc] = s.tokens().records;
    expect([ra!.aborted, rb!.slot, rc!.slot]).toEqual([true, 0, 0]);
    // c waited for all of b's generation (21 tokens at 1 ms each).
    expect(rb!.generatedTokens).toBe(21);
    expect(rc!.queuedMs).toBeGreaterThanOrEqual(rb!.decodeMs);
  });

  it('uses a fixed prompt time in token-rate mode, whatever is cached', async () => {
    const s = await start({ compute: { slots: 1, promptTimeMs: 15, decodeTokensPerSec: 10_000 } });
    await chat(s, first);
    await chat(s, first);
    expect(s.tokens().records.map((r) => r.prefillMs)).toEqual([15, 15]);
  });
});

describe('fake server compute model: streaming as generated', () => {
  it('sends one token per chunk', async () => {
    const s = await start({ compute: { slots: 1, decodeTokensPerSec: 2000 } });
    const answer = 'alpha beta gamma delta epsilon zeta eta theta';
    s.enqueue({ content: answer });
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const deltas = (await res.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)).choices[0]?.delta?.content)
      .filter((c): c is string => typeof c === 'string' && c.length > 0);
    expect(deltas).toEqual(tokenize(answer));
  });

  it('sends each token when it is generated, not at the end', async () => {
    // 400 ms per token: the second token cannot exist yet when the first one arrives.
    const s = await start({ compute: { slots: 1, decodeTokensPerSec: 2.5 } });
    s.enqueue({ content: 'ship the beta' });
    const ctl = new AbortController();
    const res = await fetch(`${s.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
      signal: ctl.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
    const first = JSON.parse(text.split('\n')[0]!);
    expect(first).toMatchObject({ done: false, message: { content: 'ship' } });
    expect(s.slots()[0]).toMatchObject({ busy: true, decoded: 1 });
    ctl.abort();
    await waitFor(() => s.tokens().requests === 1);
    expect(s.tokens().records[0]).toMatchObject({ aborted: true, generatedTokens: 1 });
  });
});

describe('fake server compute model: what each server kind reports', () => {
  const messages = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: PRD },
  ];
  const v1 = async (s: FakeServer, model: string, stream = false) => {
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model, messages, stream, stream_options: { include_usage: true } }),
    });
    if (!stream) return (await res.json()) as Record<string, any>;
    const events = (await res.text()).split('\n\n').filter((e) => e.startsWith('data: {'));
    return JSON.parse(events.at(-1)!.slice(6)) as Record<string, any>;
  };
  const n = promptOf(messages).length;

  it('llama.cpp: usage counts the whole prompt, timings split cache_n and prompt_n', async () => {
    const s = await start({ flavor: 'llamacpp', compute: { slots: 1 } });
    await v1(s, 'any-name');
    const again = await v1(s, 'any-name');
    expect(again.usage.prompt_tokens).toBe(n);
    expect(again.timings).toMatchObject({ cache_n: n - 1, prompt_n: 1, predicted_n: again.usage.completion_tokens });
    const last = await v1(s, 'any-name', true);
    expect(last.choices).toEqual([]);
    expect(last.timings.cache_n).toBe(n - 1);
  });

  it('vLLM: prompt_tokens_details.cached_tokens in whole blocks of 16 from its global prefix cache', async () => {
    const s = await start({ flavor: 'vllm', compute: { slots: 4 }, models: [{ name: 'Qwen/Qwen2.5-7B' }] });
    await v1(s, 'Qwen/Qwen2.5-7B');
    const again = await v1(s, 'Qwen/Qwen2.5-7B');
    expect(again.usage.prompt_tokens).toBe(n);
    expect(again.usage.prompt_tokens_details.cached_tokens).toBe(Math.floor((n - 1) / 16) * 16);
  });

  it("Ollama /v1: prompt_tokens is Ollama's prompt_eval_count (uncached tokens)", async () => {
    const s = await start({ compute: { slots: 1 } });
    await v1(s, 'llama3.2');
    expect((await v1(s, 'llama3.2')).usage.prompt_tokens).toBe(1);
  });
});

describe('fake server answers of real length', () => {
  it('gives strings N words and arrays N items by property name', async () => {
    const s = await start({
      answers: { stringWords: { description: 12, details: 40, '*': 3 }, arrayItems: { tasks: 5, '*': 1 } },
    });
    const schema = z.object({
      tasks: z.array(
        z.object({ title: z.string(), description: z.string(), details: z.string(), tags: z.array(z.string()) }),
      ),
    });
    const r = await chat(s, [{ role: 'user', content: PRD }], { format: z.toJSONSchema(schema) });
    const value = schema.parse(JSON.parse((r.message as { content: string }).content));
    expect(value.tasks).toHaveLength(5);
    for (const t of value.tasks) {
      expect(t.description.split(' ')).toHaveLength(12);
      expect(t.details.split(' ')).toHaveLength(40);
      expect(t.title.split(' ')).toHaveLength(3);
      expect(t.tags).toHaveLength(1);
    }
  });
});
