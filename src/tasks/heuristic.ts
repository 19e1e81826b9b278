/**
 * analyze-complexity without a model: a score from the task's own text, labelled as such in every
 * entry. It counts what a reader would: how much the details say, how many steps they list, how many
 * tasks this one waits on, subtasks it already has, and words that usually mean risk (security,
 * migration, concurrency, …). A rough guide for ordering work, not an estimate.
 */
import { subtaskCount } from '../prd/prompts.js';
import { parseList } from '../prd/structural.js';
import { oneLine } from './context.js';
import type { ComplexityEntry } from './report.js';
import { subtasksOf, type TaskRecord } from './store.js';

/** Prefix of every heuristic reasoning, so no one mistakes it for a model's judgement. */
export const HEURISTIC_LABEL = '[heuristic, no model]';

const RISK =
  /\b(security|auth\w*|encrypt\w*|migrat\w*|concurren\w*|distributed|sync\w*|real[- ]?time|performance|scal\w*|payment\w*|integration|protocol|parser|cache|caching|transaction\w*|offline|permission\w*)\b/gi;

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** A heuristic entry for one task. */
export function heuristicEntry(t: TaskRecord): ComplexityEntry {
  const text = [str(t.description), str(t.details), str(t.testStrategy)].join('\n');
  const words = text.split(/\s+/).filter(Boolean).length;
  const items = parseList(str(t.details)).length;
  const deps = Array.isArray(t.dependencies) ? t.dependencies.length : 0;
  const subs = subtasksOf(t).length;
  const risks = [...new Set((text.match(RISK) ?? []).map((w) => w.toLowerCase()))];
  const raw =
    1 +
    Math.log2(1 + words / 25) +
    Math.min(3, items * 0.5) +
    Math.min(1.5, deps * 0.5) +
    Math.min(2, risks.length * 0.7);
  const score = Math.max(1, Math.min(10, Math.round(raw + Math.min(1, subs * 0.25))));
  const facts = [
    `${words} words of description and details`,
    `${items} listed step${items === 1 ? '' : 's'}`,
    `${deps} dependenc${deps === 1 ? 'y' : 'ies'}`,
    ...(subs ? [`${subs} existing subtasks`] : []),
    ...(risks.length ? [`risk words: ${risks.slice(0, 5).join(', ')}`] : []),
  ];
  return {
    taskId: Number(t.id),
    taskTitle: oneLine(t.title),
    complexityScore: score,
    recommendedSubtasks: score <= 2 ? 0 : Math.min(12, Math.max(items, subtaskCount(score))),
    expansionPrompt: '',
    reasoning: `${HEURISTIC_LABEL} score from the task's text: ${facts.join(', ')}.`,
  };
}
