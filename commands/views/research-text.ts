import type { AddResult } from '../../src/research/rag-system.js';

/** `research add`: counts, the embedder used, what was skipped and notes. */
export function addLines(r: AddResult): string[] {
  const lines = [
    `added ${r.added.length}, updated ${r.updated.length}, unchanged ${r.unchanged.length}, skipped ${r.skipped.length}: ${r.chunks} new chunks, ${r.embedCalls} embed calls, ${r.embedded} vectors stored`,
  ];
  if (r.embedder) {
    const why = r.embedder.reason ? `: ${r.embedder.reason}` : '';
    lines.push(`embedder: ${r.embedder.model}${r.embedder.offline ? ` (offline embedder${why})` : ''}`);
  }
  for (const s of r.skipped) lines.push(`skipped ${s.path}: ${s.reason}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines;
}

/** `research sources`. */
export function sourceLines(
  rows: readonly { source: string; chunk_count: number; bytes: number; updated_at: string }[],
): string[] {
  if (!rows.length) return ['the knowledge base is empty (add documents with `research add <dir>`)'];
  return rows.map((r) => `${r.source}  ${r.chunk_count} chunks  ${r.bytes} bytes  updated ${r.updated_at}`);
}

/** `research sessions`. */
export function sessionLines(
  rows: readonly {
    id: string;
    status: string;
    iterations_done: number;
    max_iterations: number;
    confidence: number | null;
    topic: string;
  }[],
): string[] {
  if (!rows.length) return ['no research sessions yet (start one with `research "<topic>" --loop 3`)'];
  return rows.map(
    (r) =>
      `${r.id}  ${r.status}  ${r.iterations_done}/${r.max_iterations} iterations  confidence ${r.confidence?.toFixed(2) ?? '-'}  ${r.topic}`,
  );
}
