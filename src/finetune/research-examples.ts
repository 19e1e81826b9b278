/**
 * Examples from research answers the team saved: `research "<q>" --save-to <task>` appends the
 * answer to the task's details, `--save-file` writes it under docs/research. The prompt is the
 * research-answer prompt rendered with the question, the task as context and the passages the answer
 * cited (their text read back from the knowledge base); the answer is the saved text.
 */
import { formatPassages, type Passage } from '../research/answer.js';
import { loadPrompt, toMessages } from '../prompting/index.js';
import type { Example } from './types.js';

/** A saved answer found in a task's details or a saved research file. */
export interface SavedAnswer {
  question: string;
  answer: string;
  sources: { n: number; source: string; lines: string }[];
  /** The task the answer was saved to (title, description), as the question's context. */
  context?: string;
}

const BLOCK = /^#{1,2} Research: ([^\n]+)\n\n\*[^\n]*\*\n\n([\s\S]*?)\n\n## Sources\n\n((?:- [^\n]*(?:\n|$))*)/gm;
const SOURCE = /^- \[(\d+)\] (.+):(\d+-\d+)$/;

/** Every saved answer block in a text (task details or a saved file). */
export function parseSavedAnswers(text: string, context?: string): SavedAnswer[] {
  if (!text.includes('Research: ')) return [];
  const out: SavedAnswer[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const sources = m[3]!
      .split('\n')
      .map((l) => SOURCE.exec(l.trim()))
      .filter((x): x is RegExpExecArray => x !== null)
      .map((x) => ({ n: Number(x[1]), source: x[2]!, lines: x[3]! }));
    const answer = m[2]!.trim();
    if (answer) out.push({ question: m[1]!.trim(), answer, sources, ...(context ? { context } : {}) });
  }
  return out;
}

/** The examples of saved answers; `passageText` reads a cited passage back (undefined: gone since). */
export function researchExamples(
  saved: SavedAnswer[],
  passageText: (source: string, lines: string) => string | undefined,
): Example[] {
  return saved.map((s) => {
    const passages = s.sources.map((c) => {
      const [start, end] = c.lines.split('-').map(Number);
      return {
        n: c.n,
        chunkId: 0,
        source: c.source,
        startLine: start!,
        endLine: end!,
        lines: c.lines,
        heading: '',
        text: passageText(c.source, c.lines) ?? '',
        score: 0,
      } satisfies Passage;
    });
    const p = loadPrompt('research-answer', {
      question: s.question,
      max_sentences: 8,
      context_block: s.context ? `Extra context:\n${s.context}\n\n` : '',
      passages: formatPassages(passages),
    });
    return {
      source: 'research' as const,
      messages: [...toMessages(p), { role: 'assistant' as const, content: s.answer }],
      weight: 1,
      promptId: p.id,
    };
  });
}
