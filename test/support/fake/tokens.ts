/**
 * The fake server's tokenizer: a deterministic stand-in for a BPE vocabulary. A token is an optional
 * run of whitespace followed by a chat-template marker, up to 4 letters/digits, or one other
 * character; trailing whitespace is one more token. Long words thus become 4-character pieces
 * (about 1.3-1.5 tokens per English word, like real vocabularies), and tokenization is lossless:
 * the tokens of a text concatenate back to it, so streamed tokens rebuild the answer exactly.
 */

const TOKEN = /\s*<\|[a-z_]+\|>|\s*(?:[\p{L}\p{N}]{1,4}|[^\s\p{L}\p{N}])|\s+/gu;

/** Splits text into tokens (see the module comment). */
export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Number of tokens of a text. */
export function tokenCount(text: string): number {
  let n = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.exec(text)) n++;
  return n;
}

/**
 * The prompt as the server's model sees it: the messages rendered through a fixed ChatML template
 * and opened for the assistant's turn. A shared leading block of messages therefore renders to a
 * shared token prefix, and a later turn that repeats an answer extends the earlier prompt + answer.
 */
export function renderChat(messages: Array<{ role: string; content: string }>): string {
  let out = '';
  for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
  return `${out}<|im_start|>assistant\n`;
}

/** Length of the common prefix of two token sequences. */
export function commonPrefix(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
