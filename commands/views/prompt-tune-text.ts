import type { PromptTuningOutcome } from '../../src/application/prompt-tuning.js';

const fmtFitness = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));

/** `optimize --target prompts`: the winner against the prompt in effect, and how to apply it. */
export function promptOutcomeLines(o: PromptTuningOutcome, applied: boolean): string[] {
  const head = `\nprompt ${o.prompt} on ${o.validExamples} valid example(s) of dataset ${o.dataset}, model ${o.model}`;
  const current = `  current ${o.current.id}: fitness ${fmtFitness(o.current.fitness)}`;
  if (!o.winner) return [head, current, '  no variant was scored'];
  if (o.winner.isCurrent) return [head, current, '  the prompt in effect scored best: nothing to apply'];
  const gain =
    o.current.fitness === null
      ? ''
      : ` (${o.winner.fitness >= o.current.fitness ? '+' : ''}${(o.winner.fitness - o.current.fitness).toFixed(3)})`;
  const lines = [
    head,
    current,
    `  best variant ${o.winner.variant}: fitness ${fmtFitness(o.winner.fitness)}${gain}`,
    '',
    ...o.winner.template
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`),
  ];
  if (!applied) lines.push('', `apply it as a project prompt: ${o.applyCommand}`);
  return lines;
}

/** What `--apply` wrote for a prompts run. */
export function promptAppliedLines(a: Record<string, unknown>): string[] {
  if (!a.path) return [];
  return [
    '',
    `wrote ${String(a.path)}: ${String(a.id)} replaces ${String(a.replaces)} (backup and record: ${String(a.backupPath)})`,
  ];
}
