/**
 * Confidence of a research answer in [0, 1], from signals that can be measured rather than asked
 * for: how well retrieval matched, how much of the answer cites a passage, and an independent
 * self-check of the answer against the passages. Always comes with a one-line reason.
 */
import { contentTerms, tokenize } from './text.js';

/** Verdict of the self-check call, or none when it was not run. */
export type CheckVerdict = 'supported' | 'partial' | 'unsupported' | 'none';

/** The measured inputs of scoreConfidence(). */
export interface ConfidenceSignals {
  /** 0..1, see retrievalStrength. */
  retrieval: number;
  /** 0..1 share of answer sentences with a valid citation. */
  coverage: number;
  check: CheckVerdict;
  /** True when no model wrote the answer (passages quoted verbatim). */
  extractive?: boolean;
}

const CHECK_SCORE: Record<CheckVerdict, number> = { supported: 1, partial: 0.5, unsupported: 0, none: 0 };

/**
 * Retrieval strength: half the best passage's cosine similarity, half the share of the question's
 * content words that occur in the top passages (a question whose key terms never appear is
 * unlikely to be answered by what was found).
 */
export function retrievalStrength(
  question: string,
  passages: readonly { text: string; similarity?: number }[],
): number {
  if (!passages.length) return 0;
  const best = Math.max(0, ...passages.map((p) => p.similarity ?? 0));
  const terms = contentTerms(question);
  const found = new Set(passages.flatMap((p) => tokenize(p.text)));
  const termCov = terms.length ? terms.filter((t) => found.has(t)).length / terms.length : 0;
  return clamp01(0.5 * clamp01(best) + 0.5 * termCov);
}

/** Combines the signals; weights favour retrieval because a synthesis cannot beat its evidence. */
export function scoreConfidence(s: ConfidenceSignals): { confidence: number; reason: string } {
  const r = s.retrieval.toFixed(2);
  if (s.extractive) {
    const confidence = round2(clamp01(0.6 * s.retrieval));
    return { confidence, reason: `extractive answer (no model): retrieval ${r} × 0.6` };
  }
  const cov = `${Math.round(s.coverage * 100)}% of sentences cited`;
  if (s.check === 'none') {
    const confidence = round2(clamp01(0.6 * s.retrieval + 0.4 * s.coverage));
    return { confidence, reason: `retrieval ${r}, ${cov}, no self-check` };
  }
  const confidence = round2(clamp01(0.45 * s.retrieval + 0.3 * s.coverage + 0.25 * CHECK_SCORE[s.check]));
  return { confidence, reason: `retrieval ${r}, ${cov}, self-check: ${s.check}` };
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
