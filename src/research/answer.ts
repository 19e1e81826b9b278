/**
 * Turns retrieved passages into a cited answer: a model synthesis with a self-check when a model
 * is reachable, otherwise an extractive answer quoting the best sentences. Either way citations
 * are checked and a confidence with its reason is computed from measurable signals.
 */
import { type AppError, isAppError, isNoModel } from '../errors.js';
import type { ModelAPI, Usage } from '../models/types.js';
import { fenceData, loadPrompt, toMessages } from '../prompting/index.js';
import { checkCitations } from './citations.js';
import { retrievalStrength, scoreConfidence, type CheckVerdict } from './confidence.js';
import { SelfCheckSchema } from './schemas.js';
import { splitSentences, tokenize, contentTerms } from './text.js';

/** A retrieved passage, numbered as it is shown to the model and cited in answers. */
export interface Passage {
  n: number;
  chunkId: number;
  source: string;
  startLine: number;
  endLine: number;
  lines: string;
  heading: string;
  text: string;
  /** RRF score of the hybrid ranking. */
  score: number;
  /** Cosine similarity to the query (0..1 for unit vectors), when the chunk has a vector. */
  similarity?: number;
  /** BM25 score (lower is better, as SQLite reports it) when the chunk matched the words. */
  bm25?: number;
}

/** A citation as shown to users: passage number, source, line range and the passage text. */
export interface Citation {
  n: number;
  source: string;
  lines: string;
  text: string;
}

/** A checked, scored answer. */
export interface Synthesis {
  answer: string;
  citations: Citation[];
  uncited: string[];
  invalidCitations: number[];
  confidence: number;
  confidenceReason: string;
  /** Model that wrote the answer; null for an extractive answer. */
  model: string | null;
  extractive: boolean;
  notes: string[];
  usage: { calls: number; promptTokens: number; completionTokens: number };
}

/** Options of synthesize(). */
export interface SynthesisOptions {
  /** Extra context: user text and task details. */
  context?: string;
  selfCheck?: boolean;
  maxSentences?: number;
  /** Sentences an extractive answer quotes from each of its passages (default 2). */
  perPassage?: number;
  signal?: AbortSignal;
}

/** Answer length per `--detail` level: model answers in sentences, extractive ones in sentences per passage. */
export const DETAIL: Record<'low' | 'medium' | 'high', { sentences: number; perPassage: number }> = {
  low: { sentences: 4, perPassage: 1 },
  medium: { sentences: 8, perPassage: 2 },
  high: { sentences: 20, perPassage: 3 },
};

/** Codes that mean "there is no model to ask": the answer falls back to extraction. */
export const NO_MODEL_CODES = new Set(['NO_MODEL_AVAILABLE', 'PROVIDER_UNREACHABLE']);

/** An error the offline answer takes: no model reachable (or refused with none to use instead; see isNoModel). */
export const answersOffline = (e: unknown): e is AppError =>
  isNoModel(e) || (isAppError(e) && NO_MODEL_CODES.has(e.code));
const MAX_PASSAGE_CHARS = 1500;

/** Passages as numbered blocks for a prompt, fenced so document text cannot act as instructions. */
export function formatPassages(passages: readonly Passage[]): string {
  const body = passages
    .map(
      (p) =>
        `[${p.n}] ${p.source}:${p.lines}${p.heading ? ` (${p.heading})` : ''}\n${p.text.slice(0, MAX_PASSAGE_CHARS)}`,
    )
    .join('\n\n');
  const f = fenceData('passages', body);
  return `${f.open}\n${f.body}\n${f.close}`;
}

/** Answers `question` from `passages`; `api` undefined means no model (extractive). */
export async function synthesize(
  question: string,
  passages: readonly Passage[],
  api: ModelAPI | undefined,
  opts: SynthesisOptions = {},
): Promise<Synthesis> {
  const usage = { calls: 0, promptTokens: 0, completionTokens: 0 };
  const add = (u: Usage) => {
    usage.calls++;
    usage.promptTokens += u.promptTokens;
    usage.completionTokens += u.completionTokens;
  };
  const retrieval = retrievalStrength(question, passages);
  const notes: string[] = [];
  if (api) {
    try {
      const p = loadPrompt('research-answer', {
        question,
        max_sentences: opts.maxSentences ?? 8,
        context_block: opts.context ? `Extra context:\n${fenceData('context', opts.context).body}\n\n` : '',
        passages: formatPassages(passages),
      });
      const a = await api.generateText({
        type: 'RESEARCH',
        messages: toMessages(p),
        promptId: p.id,
        component: 'research',
        signal: opts.signal,
      });
      add(a.usage);
      const checked = checkCitations(a.value, passages.length);
      if (checked.invalid.length)
        notes.push(
          `removed citations to passages that do not exist: ${checked.invalid.map((n) => `[${n}]`).join(' ')}`,
        );
      let verdict: CheckVerdict = 'none';
      if (opts.selfCheck !== false && checked.answer) {
        const c = loadPrompt('research-check', {
          question,
          answer: checked.answer,
          passages: formatPassages(passages),
        });
        const v = await api.generateObject(
          { type: 'RESEARCH', messages: toMessages(c), promptId: c.id, component: 'research', signal: opts.signal },
          SelfCheckSchema,
        );
        add(v.usage);
        verdict = v.value.verdict;
      }
      const { confidence, reason } = scoreConfidence({ retrieval, coverage: checked.coverage, check: verdict });
      if (a.model.provider === 'llama-cpp')
        notes.push(
          `answered by the embedded model ${a.model.alias} (GGUF run in-process by llama.cpp; no model server needed)`,
        );
      return {
        answer: checked.answer,
        citations: citationsFor(checked.cited, passages),
        uncited: checked.uncited,
        invalidCitations: checked.invalid,
        confidence,
        confidenceReason: reason,
        model: a.model.alias ?? a.model.model,
        extractive: false,
        notes,
        usage,
      };
    } catch (e) {
      if (!answersOffline(e)) throw e;
      notes.push(`no model reachable (${e.message}); extractive answer from the best passages`);
    }
  } else {
    notes.push('no model available; extractive answer from the best passages');
  }
  const text = extractiveAnswer(question, passages, opts.perPassage);
  const checked = checkCitations(text, passages.length);
  const { confidence, reason } = scoreConfidence({
    retrieval,
    coverage: checked.coverage,
    check: 'none',
    extractive: true,
  });
  return {
    answer: checked.answer,
    citations: citationsFor(checked.cited, passages),
    uncited: checked.uncited,
    invalidCitations: [],
    confidence,
    confidenceReason: reason,
    model: null,
    extractive: true,
    notes,
    usage,
  };
}

function citationsFor(cited: readonly number[], passages: readonly Passage[]): Citation[] {
  return cited
    .map((n) => passages.find((p) => p.n === n))
    .filter((p): p is Passage => p !== undefined)
    .map((p) => ({ n: p.n, source: p.source, lines: p.lines, text: p.text }));
}

/**
 * The best one or two sentences of each of the top three passages (by overlap with the question's
 * content words), each cited. Verbatim, so it cannot say anything the passages do not.
 */
export function extractiveAnswer(question: string, passages: readonly Passage[], perPassage = 2): string {
  const terms = new Set(contentTerms(question));
  const out: string[] = [];
  for (const p of passages.slice(0, 3)) {
    const sentences = splitSentences(p.text.replace(/^#{1,6}\s+.*$/gm, '').replace(/```[\s\S]*?```/g, ' '))
      .filter((s) => /[\p{L}]/u.test(s))
      .map((s, i) => ({ s, i, hits: tokenize(s).filter((t) => terms.has(t)).length }));
    if (!sentences.length) continue;
    const best = sentences
      .filter((x) => x.hits > 0)
      .sort((a, b) => b.hits - a.hits || a.i - b.i)
      .slice(0, perPassage)
      .sort((a, b) => a.i - b.i);
    // a passage that shares no word with the question only speaks when it is the best one
    if (!best.length && out.length) continue;
    const picked = best.length ? best : sentences.slice(0, 1);
    for (const x of picked) {
      const s = x.s.replace(/\s*\[\d+\]\s*$/, '').slice(0, 500);
      const m = /([.!?:;]*)$/.exec(s)!;
      out.push(`${s.slice(0, s.length - m[1]!.length)} [${p.n}]${m[1] || '.'}`);
    }
  }
  return out.join(' ');
}
