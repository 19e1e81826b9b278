import type { ComplexityReport } from '../../src/tasks/report.js';

const HEURISTIC = /^\[heuristic/;

/** The report as a table, most complex first, with the expand command for tasks at or above the threshold. */
export function complexityLines(report: ComplexityReport, path: string): string[] {
  const m = report.meta ?? {};
  const threshold = typeof m.thresholdScore === 'number' ? m.thresholdScore : 5;
  const rows = [...report.complexityAnalysis].sort(
    (a, b) => b.complexityScore - a.complexityScore || Number(a.taskId) - Number(b.taskId),
  );
  const heuristic = rows.some((r) => HEURISTIC.test(r.reasoning ?? ''));
  const lines = [
    `complexity report: ${path}`,
    `${rows.length} tasks analysed${m.generatedAt ? ` · ${m.generatedAt}` : ''}${m.usedResearch ? ' · research' : ''} · threshold ${threshold}${heuristic ? ' · heuristic scores (no model)' : ''}`,
    '',
    '   id  score  subtasks  title',
  ];
  for (const r of rows) {
    const bar = '█'.repeat(Math.round(r.complexityScore)).padEnd(10, '·');
    const title = r.taskTitle ?? '';
    lines.push(
      `${String(r.taskId).padStart(5)}  ${String(r.complexityScore).padStart(2)} ${bar}  ${String(r.recommendedSubtasks ?? '-').padStart(2)}  ${title}`,
    );
  }
  const high = rows.filter((r) => r.complexityScore >= threshold);
  lines.push('');
  lines.push(
    high.length
      ? `${high.length} task(s) at or above ${threshold}: expand them with \`task-master-local expand --id <id>\` (the report's recommendations are used), or \`expand --all\``
      : `no task at or above ${threshold}`,
  );
  return lines;
}

/** One line per task of an analysis run. */
export function analysedLines(entries: ComplexityReport['complexityAnalysis']): string[] {
  return entries.map(
    (e) =>
      `${String(e.taskId).padStart(4)}. score ${String(e.complexityScore).padStart(2)} · ${e.recommendedSubtasks ?? 0} subtasks · ${e.taskTitle ?? ''}`,
  );
}
