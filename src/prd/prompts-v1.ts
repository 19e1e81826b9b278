import { fenceData, loadPrompt, toMessages } from '../prompting/index.js';
import type { Chunk } from './split.js';
import type { PlanNode } from './plan.js';
import { maxTasks, subtaskCount, type BuiltPrompt } from './prompts.js';

/**
 * Prompt version 1 (parse-prd@v1, expand-task@v1), kept so a run can still ask the old questions
 * (`promptVersion: 1`: side-by-side benchmarks, checkpoints of older runs). Each call kind has its own
 * system text, and an expansion puts the task before its PRD excerpt, so calls share little prefix.
 */
export function chunkPromptV1(chunk: Chunk, chunkCount: number, want: number | undefined): BuiltPrompt {
  const f = fenceData('prd', chunk.text);
  const countRule = want
    ? `about ${want} top-level tasks (never more than ${maxTasks(want)}).`
    : 'as many top-level tasks as the PRD part needs (usually 3 to 12), no more.';
  const scope =
    chunkCount === 1
      ? 'Here is the whole PRD.'
      : `Here is part ${chunk.index + 1} of ${chunkCount} of a PRD, covering: ${chunk.headings.join('; ') || 'untitled text'}. ` +
        'Other parts are planned separately; plan only the requirements in this part.';
  const p = loadPrompt('parse-prd', { open: f.open, close: f.close, prd: f.body, countRule, scope }, { version: 1 });
  return { promptId: p.id, messages: toMessages(p) };
}

/** Version 1 decomposition request: ancestors, the task, then the PRD excerpt, fenced together. */
export function expandPromptV1(node: PlanNode, ancestors: PlanNode[], prdExcerpt: string): BuiltPrompt {
  const lines = [
    ...ancestors.map((a, i) => `${'  '.repeat(i)}Parent (level ${a.depth}): ${a.title} — ${a.description}`),
    `Task: ${node.title}`,
    `Description: ${node.description}`,
    `Details: ${node.details}`,
    node.testStrategy ? `Test strategy: ${node.testStrategy}` : '',
    '',
    'PRD excerpt this task comes from:',
    prdExcerpt,
  ].filter((l, i, a) => l !== '' || a[i - 1] !== '');
  const f = fenceData('task', lines.join('\n'));
  const p = loadPrompt(
    'expand-task',
    { open: f.open, close: f.close, context: f.body, count: subtaskCount(node.complexity), level: node.depth },
    { version: 1 },
  );
  return { promptId: p.id, messages: toMessages(p) };
}
