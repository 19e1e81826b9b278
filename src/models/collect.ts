import { abortedError } from '../errors.js';
import type { DeadlineWatch } from './deadline.js';
import type { ChatChunk, Usage } from './types.js';

/** A whole streamed answer. */
export interface Collected {
  text: string;
  usage: Usage;
  finishReason?: string;
}

/**
 * Reads a stream to its end under the watch's deadlines: every chunk (text or a sign of work)
 * restarts the idle deadline; `onData` gets the characters received so far and the new text (-1
 * and no text for a sign of work without text). A provider that ignored its signal is still cut: the read races the signal.
 */
export async function collect(
  stream: AsyncIterable<ChatChunk>,
  watch: DeadlineWatch,
  onData: (chars: number, delta?: string) => void,
): Promise<Collected> {
  let text = '';
  let usage: Usage = { promptTokens: 0, completionTokens: 0 };
  let finishReason: string | undefined;
  const it = stream[Symbol.asyncIterator]();
  const signal = watch.signal;
  let onAbort: (() => void) | undefined;
  const cut = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortedError(signal, 'model call cancelled'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  cut.catch(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([it.next(), cut]);
      if (next.done) break;
      const c = next.value;
      if (c.type === 'delta' && c.text) {
        text += c.text;
        watch.data(c.text.length);
        onData(text.length, c.text);
      } else if (c.type === 'alive') {
        watch.data(0);
        onData(-1);
      } else if (c.type === 'done') {
        usage = c.usage;
        finishReason = c.finishReason;
      }
    }
  } catch (e) {
    void it.return?.()?.catch?.(() => undefined);
    throw e;
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
  return { text, usage, ...(finishReason ? { finishReason } : {}) };
}
