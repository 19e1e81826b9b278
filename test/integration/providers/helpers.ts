import { createServer } from 'node:net';
import type { ChatChunk, ModelProvider, ChatRequest } from '../../../src/models/types.js';

/** Runs a chat to the end: joined text, the done chunk, and how many deltas came. */
export async function collect(p: ModelProvider, req: ChatRequest, signal?: AbortSignal) {
  let text = '';
  let deltas = 0;
  let done: Extract<ChatChunk, { type: 'done' }> | undefined;
  for await (const c of p.chat(req, signal)) {
    if (c.type === 'delta') {
      text += c.text;
      deltas++;
    } else if (c.type === 'done') done = c;
  }
  return { text, deltas, done };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function failure(p: Promise<unknown>): Promise<Record<string, any>> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, any>;
  }
  throw new Error('expected a failure');
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
