/** Approximate token count: ~4 characters per token for English prose and code, never zero for text. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** A heading-delimited part of the PRD. `path` is the chain of headings above and including it. */
export interface Section {
  /** Heading chain, e.g. ['Product', 'Features', 'Search']; [] for text before the first heading. */
  path: string[];
  level: number;
  text: string;
}

/** A unit of work for one top-level call: consecutive sections that fit the token budget together. */
export interface Chunk {
  index: number;
  /** Heading paths covered, for the prompt's scope line and the UI. */
  headings: string[];
  text: string;
  tokens: number;
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** Splits markdown-ish text at ATX headings (ignoring headings inside code fences). */
export function splitSections(text: string): Section[] {
  const out: Section[] = [];
  const stack: string[] = [];
  let cur: Section = { path: [], level: 0, text: '' };
  let lines: string[] = [];
  let inFence = false;
  const flush = () => {
    cur.text = lines.join('\n').trim();
    if (cur.text || cur.path.length) out.push(cur);
    lines = [];
  };
  for (const line of text.split(/\r?\n/)) {
    if (FENCE.test(line)) inFence = !inFence;
    const m = inFence ? null : HEADING.exec(line);
    if (!m) {
      lines.push(line);
      continue;
    }
    flush();
    const level = m[1]!.length;
    stack.length = Math.min(stack.length, level - 1);
    while (stack.length < level - 1) stack.push('');
    stack.push(m[2]!.trim());
    cur = { path: stack.filter(Boolean), level, text: '' };
    lines = [line];
  }
  flush();
  return out.filter((s) => s.text.length > 0);
}

/** Splits one oversized text at blank lines, then at line ends, so no piece exceeds maxTokens. */
function splitOversized(text: string, maxTokens: number): string[] {
  const maxChars = maxTokens * 4;
  const pieces: string[] = [];
  let buf = '';
  const units = text.split(/\n\s*\n/).flatMap((p) => (p.length > maxChars ? p.split('\n') : [p]));
  for (const u0 of units) {
    // A single line longer than the budget (minified text) is cut hard; rare in PRDs.
    const parts = u0.length > maxChars ? u0.match(new RegExp(`[\\s\\S]{1,${maxChars}}`, 'g'))! : [u0];
    for (const u of parts) {
      if (buf && buf.length + u.length + 2 > maxChars) {
        pieces.push(buf);
        buf = '';
      }
      buf = buf ? `${buf}\n\n${u}` : u;
    }
  }
  if (buf) pieces.push(buf);
  return pieces;
}

/**
 * Packs sections into chunks of at most `budgetTokens`, in document order. A PRD that fits is one
 * chunk (one call, whole-document view); a large one is split at headings, and a single oversized
 * section at paragraphs, with its heading chain repeated so each piece keeps its context.
 */
export function chunkPrd(text: string, budgetTokens: number): Chunk[] {
  const budget = Math.max(64, Math.floor(budgetTokens));
  if (estimateTokens(text) <= budget) {
    const headings = splitSections(text)
      .filter((s) => s.path.length)
      .map((s) => s.path.join(' > '));
    return [{ index: 0, headings, text: text.trim(), tokens: estimateTokens(text.trim()) }];
  }
  const pieces: { heading: string; text: string }[] = [];
  for (const s of splitSections(text)) {
    const heading = s.path.join(' > ');
    if (estimateTokens(s.text) <= budget) pieces.push({ heading, text: s.text });
    else {
      const prefix = heading ? `(continued: ${heading})\n` : '';
      for (const p of splitOversized(s.text, budget - estimateTokens(prefix)))
        pieces.push({ heading, text: prefix + p });
    }
  }
  const chunks: Chunk[] = [];
  let cur: { headings: string[]; texts: string[]; tokens: number } = { headings: [], texts: [], tokens: 0 };
  const flush = () => {
    if (!cur.texts.length) return;
    const t = cur.texts.join('\n\n');
    chunks.push({
      index: chunks.length,
      headings: [...new Set(cur.headings.filter(Boolean))],
      text: t,
      tokens: estimateTokens(t),
    });
    cur = { headings: [], texts: [], tokens: 0 };
  };
  for (const p of pieces) {
    const tk = estimateTokens(p.text) + 1;
    if (cur.tokens + tk > budget) flush();
    cur.headings.push(p.heading);
    cur.texts.push(p.text);
    cur.tokens += tk;
  }
  flush();
  return chunks;
}

/**
 * Token budget for the PRD part of one top-level call: what is left of the context window after
 * the prompt itself and room for the answer (task lists are long: reserve ~40%).
 */
export function prdBudget(contextLength: number, promptOverheadTokens = 700): number {
  return Math.max(256, Math.floor(contextLength * 0.6) - promptOverheadTokens);
}
