/**
 * Checks inline citations `[n]` (also `[1, 2]` and `[1][2]`) against the passages that were given
 * to the model: numbers outside 1..passages are removed from the answer and reported, and
 * sentences without any citation are listed so readers know which claims are unsupported.
 */
import { splitSentences } from './text.js';

/** Outcome of checking an answer's citations. */
export interface CitationCheck {
  /** The answer with invalid citation markers removed. */
  answer: string;
  /** Valid passage numbers in order of first citation. */
  cited: number[];
  /** Cited numbers that match no passage. */
  invalid: number[];
  sentences: number;
  uncited: string[];
  /** Share of sentences that cite at least one valid passage (0 when there are no sentences). */
  coverage: number;
}

const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

/** Validates citation markers of `answer` against `passageCount` numbered passages. */
export function checkCitations(answer: string, passageCount: number): CitationCheck {
  const cited: number[] = [];
  const invalid: number[] = [];
  const cleaned = answer
    .replace(MARKER, (_m, list: string) => {
      const nums = list.split(',').map((s) => Number(s.trim()));
      const ok = nums.filter((n) => Number.isInteger(n) && n >= 1 && n <= passageCount);
      for (const n of nums) if (!ok.includes(n) && !invalid.includes(n)) invalid.push(n);
      for (const n of ok) if (!cited.includes(n)) cited.push(n);
      return ok.length ? `[${ok.join(', ')}]` : '';
    })
    .replace(/[ \t]+([.,;:!?])/g, '$1');
  const sentences = splitSentences(cleaned).filter((s) => /[\p{L}\p{N}]/u.test(s.replace(MARKER, '')));
  const uncited = sentences.filter((s) => !/\[\d+(?:\s*,\s*\d+)*\]/.test(s));
  return {
    answer: cleaned.trim(),
    cited,
    invalid,
    sentences: sentences.length,
    uncited,
    coverage: sentences.length ? (sentences.length - uncited.length) / sentences.length : 0,
  };
}
