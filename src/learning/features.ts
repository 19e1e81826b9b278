/**
 * Context features of an input, computable before a run (so a recommendation for a new PRD uses
 * the same features the recorded runs had), and the text they are embedded as. Sizes are put into
 * log buckets as words ("size_b7"), so the hashing embedder sees near sizes as equal tokens.
 */
import { splitSections } from '../prd/split.js';
import { isStopword, tokenize } from '../research/text.js';
import type { LearningContext } from './types.js';

/** The most frequent content words, most frequent first (ties alphabetical, for determinism). */
export function domainWords(text: string, n = 12): string[] {
  const counts = new Map<string, number>();
  for (const t of tokenize(text))
    if (t.length > 3 && !isStopword(t) && !/^\d+$/.test(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([w]) => w);
}

/**
 * A 1–10 guess at how much work a PRD describes, from its length and number of sections: 1 for a
 * paragraph, ~5 for a few pages with a dozen sections, 10 for a long multi-part spec.
 */
export function estimateComplexity(words: number, sections: number): number {
  const raw = 1 + Math.log2(1 + words / 150) * 1.2 + Math.log2(1 + sections) * 0.8;
  return Math.round(Math.min(10, Math.max(1, raw)) * 10) / 10;
}

/** Features of a PRD (or any task input text). */
export function prdContext(text: string): LearningContext {
  const words = text.split(/\s+/).filter(Boolean).length;
  const sections = splitSections(text).length;
  return {
    prdBytes: Buffer.byteLength(text),
    sections,
    words,
    domainWords: domainWords(text),
    estimatedComplexity: estimateComplexity(words, sections),
  };
}

const bucket = (name: string, v: number | undefined) =>
  v === undefined ? '' : `${name}_b${Math.round(Math.log2(1 + v))}`;

/** The text a context is embedded as: bucketed sizes, complexity and domain words. */
export function contextText(c: LearningContext): string {
  return [
    bucket('size', c.prdBytes),
    bucket('sections', c.sections),
    bucket('words', c.words),
    c.estimatedComplexity !== undefined ? `complexity_c${Math.round(c.estimatedComplexity)}` : '',
    ...(c.domainWords ?? []),
    c.query ?? '',
  ]
    .filter(Boolean)
    .join(' ');
}
