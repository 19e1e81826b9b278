/** Plain-text and Markdown renderings of research results (UI-free; commands print them). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFile } from '../util/fs.js';
import type { LoopResult } from './loop.js';
import type { ResearchAnswer, SearchResult } from './rag-system.js';
import { slugify } from './text.js';

/** The `--json` shape of a research answer. */
export function answerJson(a: ResearchAnswer) {
  return {
    question: a.question,
    answer: a.answer,
    citations: a.citations,
    confidence: a.confidence,
    confidence_reason: a.confidenceReason,
    model: a.model,
    embedder: a.embedder.model,
    extractive: a.extractive,
    uncited_sentences: a.uncited,
    invalid_citations: a.invalidCitations,
    notes: a.notes,
  };
}

function embedderLine(e: { model: string; offline: boolean; reason?: string }): string {
  return e.offline ? `${e.model} (offline embedder${e.reason ? `: ${e.reason}` : ''})` : e.model;
}

/** Human-readable answer: text, sources, confidence, model and notes. */
export function formatAnswer(a: ResearchAnswer): string {
  const lines = [a.answer || '(no answer)', ''];
  if (a.citations.length) {
    lines.push('Sources:');
    for (const c of a.citations) lines.push(`  [${c.n}] ${c.source}:${c.lines}`);
  }
  lines.push(`Confidence: ${a.confidence.toFixed(2)} (${a.confidenceReason})`);
  lines.push(`Model: ${a.model ?? 'none (extractive)'} · embedder: ${embedderLine(a.embedder)}`);
  for (const s of a.uncited) lines.push(`uncited: ${s}`);
  for (const n of a.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

/** Ranked passages with source path and line range. */
export function formatSearch(s: SearchResult): string {
  const out = s.passages.map((p) => {
    const text = p.text.replace(/\s+/g, ' ').trim();
    const sim = p.similarity === undefined ? '' : ` sim ${p.similarity.toFixed(2)}`;
    return `${p.n}. ${p.source}:${p.lines}${p.heading ? ` — ${p.heading}` : ''} (score ${p.score.toFixed(4)}${sim})\n   ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
  });
  out.push(`embedder: ${embedderLine(s.embedder)}`);
  for (const n of s.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

/** Loop summary: findings, recommendations, session id to resume. */
export function formatLoop(r: LoopResult): string {
  const lines = [
    `Research loop ${r.sessionId} on "${r.topic}": ${r.iterations} iteration(s), confidence ${r.confidence.toFixed(2)} (${r.history.map((h) => h.toFixed(2)).join(' → ')})`,
    `stopped: ${r.stopReason}`,
    '',
    'Findings:',
  ];
  r.findings.forEach((f, i) =>
    lines.push(
      `  ${i + 1}. ${f.question} (confidence ${f.confidence.toFixed(2)})`,
      `     ${f.answer.replace(/\s+/g, ' ').slice(0, 300)}`,
    ),
  );
  lines.push('', 'Recommendations:');
  if (!r.recommendations.length) lines.push('  (none)');
  r.recommendations.forEach((x, i) =>
    lines.push(
      `  ${i + 1}. ${x.action} (confidence ${x.confidence.toFixed(2)})`,
      `     ${x.rationale}`,
      `     sources: ${x.sources.join(', ') || 'none'}`,
    ),
  );
  lines.push('', `resume with: task-master-local research --resume ${r.sessionId} --loop <n>`);
  return lines.join('\n');
}

/** Markdown of an answer, for --save-file and --save-to. */
export function answerMarkdown(a: ResearchAnswer, date: Date): string {
  const src = a.citations.map((c) => `- [${c.n}] ${c.source}:${c.lines}`).join('\n') || '- (none)';
  return [
    `# Research: ${a.question}`,
    '',
    `*${date.toISOString().slice(0, 10)} · model: ${a.model ?? 'none (extractive)'} · confidence ${a.confidence.toFixed(2)} (${a.confidenceReason})*`,
    '',
    a.answer,
    '',
    '## Sources',
    '',
    src,
    '',
  ].join('\n');
}

/** Writes `<dir>/YYYY-MM-DD_<slug>.md` (a `-2`, `-3`… suffix instead of overwriting); returns the path. */
export function saveResearchFile(dir: string, a: ResearchAnswer, date: Date): string {
  const base = `${date.toISOString().slice(0, 10)}_${slugify(a.question)}`;
  let path = join(dir, `${base}.md`);
  for (let i = 2; existsSync(path); i++) path = join(dir, `${base}-${i}.md`);
  atomicWriteFile(path, answerMarkdown(a, date));
  return path;
}
