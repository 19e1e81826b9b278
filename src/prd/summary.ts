import type { ParsePrdOutput } from './run.js';

/** A duration as the summary lines print it: `850 ms`, `12.3 s`. */
export function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const n = (x: number) => x.toLocaleString('en-US');

/**
 * Tokens the run sent and received: prompt tokens (of which the server took how many from its KV
 * cache, when it says) and generated tokens. Cache hits of our own answer cache cost none.
 */
export function tokensPart(s: { promptTokens: number; cachedPromptTokens?: number; completionTokens: number }): string {
  const cached = s.cachedPromptTokens ? ` (${n(s.cachedPromptTokens)} cached)` : '';
  return `${n(s.promptTokens)} prompt tokens${cached} + ${n(s.completionTokens)} generated`;
}

/** The one summary line every run prints (tasks, subtasks, depth, calls, tokens, cache hits, wall time, models). */
export function summaryLine(o: ParsePrdOutput): string {
  const s = o.summary;
  const models = o.structural ? 'none (structural planner)' : s.models.join(', ') || 'none';
  const parts = [
    `${s.tasks} tasks`,
    `${s.subtasks} subtasks`,
    `depth ${s.depth}`,
    `${s.llmCalls} LLM calls`,
    tokensPart(s),
    `${s.cacheHits} cache hits`,
    ...(s.resumedNodes ? [`${s.resumedNodes} resumed`] : []),
    fmtMs(s.durationMs),
    `models: ${models}`,
  ];
  const where = o.written ? `→ ${o.tasksPath} [${o.tag}]` : '(dry run: nothing written)';
  return `parse-prd: ${parts.join(' · ')} ${where}`;
}

/** Notices worth a line each: structural fallback (with the model diagnosis), fixed dependencies, merged duplicates. */
export function notices(o: ParsePrdOutput): string[] {
  const out: string[] = [];
  if (o.structural) {
    out.push(
      ...withoutModelNotes(
        o.structural,
        "used the structural planner (deterministic, from the PRD's headings and lists); each task is labelled as such in its details",
      ),
    );
  }
  if (o.embedded?.length) {
    out.push(
      `note: answered by the embedded model ${o.embedded.join(', ')} (GGUF run in-process by llama.cpp; no model server needed)`,
    );
  }
  if (o.fixes.length) {
    const by = (r: string) => o.fixes.filter((f) => f.reason === r).length;
    out.push(
      `note: fixed ${o.fixes.length} dependency references (${by('unknown')} unknown, ${by('self')} self, ${by('cycle')} cycle-breaking)`,
    );
  }
  if (o.summary.options.resume && o.summary.resumedNodes === 0 && !o.structural) {
    out.push('note: --resume found no checkpoints for this PRD and these options; planned from scratch');
  }
  if (o.merged.length) out.push(`note: merged ${o.merged.length} duplicate tasks across PRD sections`);
  return out;
}

/**
 * The lines of a run that went on without a model (parse-prd's and expand's structural planner, analyze-complexity's
 * heuristic scores): why no model was reachable, which one it would have used, the hint, then `instead`: what it did.
 */
export function withoutModelNotes(w: { reason: string; hint?: string; wouldUse?: string }, instead: string): string[] {
  return [
    `note: no model reachable: ${w.reason}`,
    ...(w.wouldUse ? [`note: would have used ${w.wouldUse}`] : []),
    ...(w.hint ? [`hint: ${w.hint}`] : []),
    `note: ${instead}`,
  ];
}

/** Plain-text task list for non-interactive output. */
export function taskLines(o: ParsePrdOutput): string[] {
  const lines: string[] = [];
  for (const t of o.tasks) {
    const deps = t.dependencies.length ? ` (after ${t.dependencies.join(', ')})` : '';
    lines.push(`${t.id}. [${t.priority}] ${t.title}${deps}`);
    for (const s of t.subtasks) lines.push(`   ${t.id}.${s.id} ${s.title}`);
  }
  return lines;
}
