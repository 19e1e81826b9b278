/**
 * Pure helpers that turn what a model wrote into what it meant: reasoning blocks removed,
 * markdown fences unwrapped, and the first JSON value found even inside prose.
 */

const THINK_BLOCK = /<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi;
const THINK_OPEN = /<(think|thinking|reasoning)>/i;
const THINK_CLOSE = /<\/(think|thinking|reasoning)>/gi;
const THINK_ANY = /<\/?(think|thinking|reasoning)>/i;

/**
 * Removes `<think>…</think>` (and `<thinking>`, `<reasoning>`) blocks. Some chat templates
 * emit only the closing tag, so text up to a stray closing tag is reasoning too; an opening tag
 * that is never closed means the rest is reasoning (the answer was cut off).
 */
export function stripThink(text: string): string {
  // Most answers have no reasoning tag at all: one search instead of three passes.
  if (!THINK_ANY.test(text)) return text.trim();
  let out = text.replace(THINK_BLOCK, '');
  let lastClose = -1;
  for (const m of out.matchAll(THINK_CLOSE)) lastClose = m.index + m[0].length;
  if (lastClose >= 0) out = out.slice(lastClose);
  const open = THINK_OPEN.exec(out);
  if (open) out = out.slice(0, open.index);
  return out.trim();
}

// Chat-template control tokens a model (or a server with a mismatched template) lets through.
const NL = String.raw`(?:\r?\n|\\n)?`; // a real newline, or the \n escape when inside a JSON string
const CHAT_TOKENS: RegExp[] = [
  // ChatML (Qwen, many fine-tunes): <|im_start|>assistant\n … <|im_end|>
  new RegExp(String.raw`<\|im_start\|>(?:system|user|assistant|tool)?${NL}`, 'gi'),
  // Llama 3: <|start_header_id|>assistant<|end_header_id|>\n\n
  new RegExp(String.raw`<\|start_header_id\|>[a-z_]*<\|end_header_id\|>${NL}${NL}`, 'gi'),
  // Gemma: <start_of_turn>model\n … <end_of_turn>
  new RegExp(`<start_of_turn>(?:user|model)?${NL}|<end_of_turn>`, 'gi'),
  // Llama 2 / Mistral: [INST] … [/INST], <<SYS>> … <</SYS>>
  /\[\/?INST\]|<<\/?SYS>>/g,
  // any other <|name|> special token: <|eot_id|>, <|endoftext|>, <|end|>, <|assistant|>, <|channel|>, …
  /<\|[a-z][a-z0-9_.-]{0,40}\|>/gi,
  // DeepSeek's full-width bars: <｜begin▁of▁sentence｜>, <｜Assistant｜>
  /<｜[^｜<>\n]{1,40}｜>/g,
  // sentence markers <s> </s> at the edge of the text or of a JSON string (not HTML strikethrough inside prose)
  /(?<=^|")\s*<s>\s*|\s*<\/s>\s*(?="|$)/g,
];

const CHAT_TOKEN_HINT = /<\||<｜|<(?:start|end)_of_turn>|\[\/?INST\]|<<\/?SYS>>|<\/?s>/i;

/**
 * Removes chat-template control tokens (`<|im_start|>assistant`, `<|im_end|>`, `<|eot_id|>`,
 * `<|start_header_id|>…<|end_header_id|>`, `[INST]`, `<<SYS>>`, `<s>`, `</s>`, Gemma's turns,
 * DeepSeek's `<｜…｜>`) from what a model wrote, so they never reach a title, an answer or a file.
 * Works on raw text and on JSON text alike (the tokens contain no quotes).
 */
export function stripChatTokens(text: string): string {
  // Every pattern above contains one of these (JSON answers always contain "[", so that alone says little).
  if (!CHAT_TOKEN_HINT.test(text)) return text;
  let out = text;
  for (const re of CHAT_TOKENS) out = out.replace(re, '');
  return out;
}

const WHOLE_FENCE = /^```[\w+-]*[^\S\n]*\n([\s\S]*?)\n?```$/;
const OPEN_FENCE = /^```[\w+-]*[^\S\n]*\n/;

/**
 * Unwraps an answer that is entirely one fenced block (```json … ```). A fence that opens but
 * never closes (a cut-off answer) loses its opening line. Fences inside prose are kept.
 */
export function stripFences(text: string): string {
  const t = text.trim();
  const whole = WHOLE_FENCE.exec(t);
  if (whole) return whole[1]!.trim();
  if (OPEN_FENCE.test(t) && !t.slice(3).includes('```')) return t.replace(OPEN_FENCE, '').trim();
  return t;
}

/** Result of extractJson. */
export type ExtractResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Finds the first balanced JSON object or array in `text` that parses, after removing think
 * blocks; fenced blocks are tried first, then the whole text. Strings and escapes are respected,
 * so braces inside string values do not confuse the scan.
 */
export function extractJson(text: string): ExtractResult {
  const clean = stripThink(text);
  // The usual answer is one JSON object and nothing else: parse it at once (no fence in it, so the
  // fenced blocks tried first could not exist; the scan below would find the same whole object).
  if (clean.startsWith('{') && clean.endsWith('}') && !clean.includes('```')) {
    try {
      return { ok: true, value: JSON.parse(clean) };
    } catch {
      /* not one object: the scan below finds what there is */
    }
  }
  const fenced = [...clean.matchAll(/```[\w+-]*[^\S\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  let failure: ExtractResult | undefined;
  for (const candidate of [...fenced, stripFences(clean)]) {
    const found = scan(candidate);
    if (found.ok) return found;
    failure ??= found;
  }
  return failure ?? { ok: false, error: 'no JSON object or array in the answer' };
}

function scan(text: string): ExtractResult {
  let firstError: string | undefined;
  for (let start = 0; start < text.length; start++) {
    const c = text[start];
    if (c !== '{' && c !== '[') continue;
    const end = matchingEnd(text, start);
    if (end < 0) {
      firstError ??= `unbalanced ${c === '{' ? 'object' : 'array'} starting at character ${start + 1} (the answer may be cut off)`;
      continue;
    }
    try {
      return { ok: true, value: JSON.parse(text.slice(start, end + 1)) };
    } catch (e) {
      firstError ??= `invalid JSON: ${(e as Error).message}`;
    }
  }
  return { ok: false, error: firstError ?? 'no JSON object or array in the answer' };
}

/** Index of the bracket closing the one at `start`, or -1 when the text ends first. */
function matchingEnd(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') stack.push('}');
    else if (c === '[') stack.push(']');
    else if (c === '}' || c === ']') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}
