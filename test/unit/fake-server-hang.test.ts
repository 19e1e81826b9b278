import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { startFakeServer, startFakeServers, type FakeServer } from '../support/fake-llm-server.js';
import { parseFakeArgs } from '../support/fake/cli.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});
const waitFor = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};
const chat = (url: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
  fetch(`${url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'plan it' }], ...extra }),
    signal,
  });
/** Reads a stream until `n` NDJSON lines arrived, then reports whether more came before the server closed. */
async function readLines(res: Response, n: number): Promise<string[]> {
  const reader = res.body!.getReader();
  let text = '';
  while (text.split('\n').length - 1 < n) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  void reader.read().catch(() => undefined);
  return text.split('\n').filter(Boolean);
}

describe('fake server hangs and stalls (issue 16)', () => {
  it('hang: accepts the request and never sends headers; close() ends it', async () => {
    fake = await startFakeServer();
    fake.fault({ kind: 'hang', times: 3 });
    const outcomes = [1, 2, 3].map(() =>
      chat(fake!.url).then(
        () => 'answered',
        () => 'failed',
      ),
    );
    await waitFor(() => fake!.requests.length === 3);
    await fake.close();
    expect(await Promise.all(outcomes)).toEqual(['failed', 'failed', 'failed']);
  });

  it('stall afterPieces 0: headers arrive, then nothing (streamed and non-streamed)', async () => {
    fake = await startFakeServer();
    fake.fault({ kind: 'stall', afterPieces: 0, times: 2 });
    const streamed = await chat(fake.url);
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toBe('application/x-ndjson');
    const whole = await chat(fake.url, { stream: false });
    expect(whole.status).toBe(200);
    const bodies = Promise.allSettled([streamed.text(), whole.text()]);
    await fake.close();
    expect((await bodies).map((b) => b.status)).toEqual(['rejected', 'rejected']);
  });

  it('stall afterPieces 1: the first chunk, then silence; the slot stays busy until the client leaves', async () => {
    fake = await startFakeServer({ compute: { slots: 1 } });
    fake.fault({ kind: 'stall', afterPieces: 1 });
    const ctl = new AbortController();
    const res = await chat(fake.url, {}, ctl.signal);
    const lines = await readLines(res, 1);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ done: false });
    expect(fake.inFlight()).toEqual({ running: 1, waiting: 0 });
    ctl.abort();
    await waitFor(() => fake!.inFlight().running === 0);
    expect(fake.tokens().records[0]).toMatchObject({ aborted: true, generatedTokens: 1 });
  });

  it('die: the endpoint goes away at once, or mid-stream after some pieces', async () => {
    fake = await startFakeServer();
    fake.fault({ kind: 'die', afterPieces: 2 });
    const res = await chat(fake.url);
    await expect(res.text()).rejects.toThrow();
    await expect(chat(fake.url)).rejects.toThrow(/fetch failed/);
    const again = await startFakeServer();
    again.fault({ kind: 'die' });
    await expect(chat(again.url)).rejects.toThrow(/fetch failed/);
    await expect(fetch(`${again.url}/api/tags`)).rejects.toThrow(/fetch failed/);
    await again.close();
  });
});

describe('several fake servers', () => {
  it('starts a pool and kills one member mid-run while the others keep answering', async () => {
    const pool = await startFakeServers(3, (i) => ({ compute: { slots: i + 1 }, flavor: 'llamacpp' }));
    try {
      expect(new Set(pool.urls).size).toBe(3);
      const slots = await Promise.all(
        pool.urls.map(async (u) => ((await (await fetch(`${u}/props`)).json()) as { total_slots: number }).total_slots),
      );
      expect(slots).toEqual([1, 2, 3]);
      pool.servers[1]!.fault({ kind: 'stall', afterPieces: 1 });
      const open = await fetch(`${pool.urls[1]}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      });
      const body = open.text();
      await pool.kill(1);
      await expect(body).rejects.toThrow();
      await expect(fetch(`${pool.urls[1]}/health`)).rejects.toThrow(/fetch failed/);
      for (const i of [0, 2]) expect((await fetch(`${pool.urls[i]}/health`)).status).toBe(200);
    } finally {
      await pool.close();
    }
  });
});

describe('fake servers in a worker thread (benches)', () => {
  it('runs CLI-configured servers off the main thread, reports their counters and kills one', async () => {
    const helper = join(REPO_ROOT, 'bench/fake-server-thread.mjs');
    const { startFakeServerThread } = await import(pathToFileURL(helper).href as string);
    const fake = await startFakeServerThread({
      count: 2,
      args: ['--flavor', 'llamacpp', '--slots', '2', '--decode', '5000'],
    });
    try {
      const [a, b] = fake.urls as string[];
      expect(((await (await fetch(`${b}/props`)).json()) as { total_slots: number }).total_slots).toBe(2);
      const res = await fetch(`${a}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello there' }] }),
      });
      const usage = ((await res.json()) as { usage: { prompt_tokens: number } }).usage;
      const stats = (await fake.stats()) as Array<{ tokens: { requests: number; promptTokens: number } }>;
      expect(stats.map((x) => x.tokens.requests)).toEqual([1, 0]);
      expect(stats[0]!.tokens.promptTokens).toBe(usage.prompt_tokens);
      await fake.kill(0);
      await expect(fetch(`${a}/health`)).rejects.toThrow(/fetch failed/);
      expect((await fetch(`${b}/health`)).status).toBe(200);
    } finally {
      await fake.close();
    }
  });
});

describe('fake server command line', () => {
  it('parses every flag into options and refuses unknown ones', () => {
    expect(
      parseFakeArgs(
        '--servers 3 --flavor vllm --prefill 400 --decode 80 --slots 2 --prompt-time 300 --words description=25,*=4 --items 5 --load-ms 10'.split(
          ' ',
        ),
      ),
    ).toEqual({
      count: 3,
      options: {
        flavor: 'vllm',
        loadMs: 10,
        compute: { prefillTokensPerSec: 400, decodeTokensPerSec: 80, slots: 2, promptTimeMs: 300 },
        answers: { stringWords: { description: 25, '*': 4 }, arrayItems: 5 },
      },
    });
    expect(() => parseFakeArgs(['--flavor', 'tgi'])).toThrow(/flavor must be one of/);
    expect(() => parseFakeArgs(['--speed', '3'])).toThrow(/unknown flag --speed/);
    expect(() => parseFakeArgs(['--decode', 'fast'])).toThrow(/non-negative number/);
  });

  it('runs standalone with several servers of one kind', async () => {
    const cli = join(REPO_ROOT, 'dist/test/support/fake-llm-server.js');
    const child = spawn(process.execPath, [cli, '--servers', '2', '--flavor', 'llamacpp', '--slots', '3']);
    try {
      const urls = await new Promise<string[]>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const lines = out.split('\n').filter(Boolean);
          if (lines.length === 2) resolve(lines);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      for (const u of urls)
        expect(((await (await fetch(`${u}/props`)).json()) as { total_slots: number }).total_slots).toBe(3);
    } finally {
      child.kill();
    }
  });
});
