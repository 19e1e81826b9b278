import type { ExpandResult } from '../../src/application/expand.js';
import { fmtMs, tokensPart, withoutModelNotes } from '../../src/prd/summary.js';

/** The new subtasks, one line each, under their task. */
export function expandLines(o: ExpandResult): string[] {
  const lines: string[] = [];
  for (const t of o.expanded) {
    lines.push(`${t.id}. ${t.title}${t.replaced ? ` (replaced ${t.replaced} subtasks)` : ''}`);
    for (const s of t.subtasks) {
      const deps = s.dependencies.length ? ` (after ${s.dependencies.map((d) => `${t.id}.${d}`).join(', ')})` : '';
      lines.push(`   ${t.id}.${s.id} ${s.title}${deps}`);
    }
  }
  return lines;
}

/** Notes: the structural planner, skipped tasks, the report used, fixed dependencies. */
export function expandNotices(o: ExpandResult): string[] {
  const out: string[] = [];
  if (o.structural) {
    out.push(
      ...withoutModelNotes(
        o.structural,
        "used the structural planner (deterministic, from each task's own details); each subtask is labelled as such in its details",
      ),
    );
  }
  if (o.report) out.push(`note: used the complexity report ${o.report} (recommended subtasks and expansion advice)`);
  for (const s of o.skipped) out.push(`note: task ${s.id} skipped: ${s.reason}`);
  if (o.fixes.length) out.push(`note: fixed ${o.fixes.length} dependency references between new subtasks`);
  if (!o.expanded.length && !o.skipped.length) out.push('note: no tasks eligible for expansion');
  return out;
}

/** The one summary line. */
export function expandSummary(o: ExpandResult): string {
  const s = o.summary;
  const models = o.structural ? 'none (structural planner)' : s.models.join(', ') || 'none';
  const parts = [
    `${s.tasks} tasks`,
    `${s.subtasks} subtasks`,
    `${s.llmCalls} LLM calls`,
    tokensPart(s),
    `${s.cacheHits} cache hits`,
    ...(s.resumedNodes ? [`${s.resumedNodes} resumed`] : []),
    fmtMs(s.durationMs),
    `models: ${models}`,
  ];
  return `expand: ${parts.join(' · ')} → ${o.tasksPath} [${o.tag}]`;
}
