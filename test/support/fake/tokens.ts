/**
 * The fake server's tokenizer: a deterministic stand-in for a BPE vocabulary. A token is an optional
 * run of whitespace followed by a chat-template marker, up to 4 letters/digits, or one other
 * character; trailing whitespace is one more token. Long words thus become 4-character pieces
 * (about 1.3-1.5 tokens per English word, like real vocabularies), and tokenization is lossless:
 * the tokens of a text concatenate back to it, so streamed tokens rebuild the answer exactly.
 */

/** The definition, as a regular expression; `scan` below implements it several times faster. */
export const TOKEN_PATTERN = /\s*<\|[a-z_]+\|>|\s*(?:[\p{L}\p{N}]{1,4}|[^\s\p{L}\p{N}])|\s+/gu;

const WORDISH = /[\p{L}\p{N}]/u;

function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function isWordish(c: number): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return WORDISH.test(String.fromCodePoint(c));
}

/** End of a `<|name|>` marker starting at i, or -1. */
function markerEnd(text: string, i: number): number {
  if (text.charCodeAt(i) !== 60 || text.charCodeAt(i + 1) !== 124) return -1;
  let j = i + 2;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 95 || (c >= 97 && c <= 122)) j++;
    else break;
  }
  return j > i + 2 && text.charCodeAt(j) === 124 && text.charCodeAt(j + 1) === 62 ? j + 2 : -1;
}

/** Calls `emit(start, end)` for each token of the text, in order. */
function scan(text: string, emit: (start: number, end: number) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    if (j === n) {
      emit(i, n);
      return;
    }
    const marker = markerEnd(text, j);
    if (marker > 0) {
      emit(i, marker);
      i = marker;
      continue;
    }
    const cp = text.codePointAt(j)!;
    let k = j + (cp > 0xffff ? 2 : 1);
    if (isWordish(cp)) {
      for (let count = 1; count < 4 && k < n; count++) {
        const next = text.codePointAt(k)!;
        if (!isWordish(next)) break;
        k += next > 0xffff ? 2 : 1;
      }
    }
    emit(i, k);
    i = k;
  }
}

/** Splits text into tokens (see the module comment). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  scan(text, (a, b) => out.push(text.slice(a, b)));
  return out;
}

/** Number of tokens of a text. */
export function tokenCount(text: string): number {
  let n = 0;
  scan(text, () => n++);
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
