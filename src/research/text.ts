/** Shared text helpers for the research module: tokenising, stopwords, hashing, slugs. */
import { createHash } from 'node:crypto';

const WORD = /[\p{L}\p{N}_]+/gu;

/** Lower-cased word tokens (letters, digits, underscore); punctuation never reaches FTS5 or the hasher. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

// Small on purpose: only words so frequent that they slow BM25 down and carry no topic.
const STOP = new Set(
  (
    'a an and are as at be but by can do does for from has have how i if in into is it its of on or ' +
    'should so than that the their them then there these they this to was we were what when where ' +
    'which who why will with would you your'
  ).split(' '),
);

/** True for very common English words that carry no topic. */
export function isStopword(w: string): boolean {
  return STOP.has(w);
}

/** Content words of a text (stopwords and 1-character tokens removed), in order, unique. */
export function contentTerms(text: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const t of tokenize(text)) {
    if (t.length < 2 || STOP.has(t) || seen.has(t)) continue;
    seen.add(t);
    out.push(t);
  }
  return out;
}

/** sha256 hex of a string or buffer: content hashes make re-adding an unchanged file a no-op. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** File-name-safe slug of a title: lower-case ascii words joined by '-', at most 60 characters. */
export function slugify(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return s || 'research';
}

/** Splits prose into sentences; keeps trailing citation markers with their sentence. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const para of text.split(/\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)/)) {
    const flat = para.replace(/\s+/g, ' ').trim();
    if (!flat) continue;
    const parts = flat.split(/(?<=[.!?](?:\s*\[\d+(?:\s*,\s*\d+)*\])*)\s+(?=[A-Z0-9"'(*-])/);
    for (const p of parts) if (p.trim()) out.push(p.trim());
  }
  return out;
}

/** The text a chunk is embedded as: its heading first when the text does not already contain it. */
export function embedText(heading: string, text: string): string {
  return heading && !text.includes(heading) ? `${heading}\n${text}` : text;
}

/** `x` rounded to `d` decimals. */
export function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
