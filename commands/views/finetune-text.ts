import type { FinetuneExportResult } from '../../src/application/finetune-export.js';
import type { PromptInEffect } from '../../src/application/finetune-prompts.js';
import type { FinetuneEvalResult } from '../../src/application/finetune-eval.js';
import type { FinetuneRegisterResult } from '../../src/application/finetune-register.js';
import type { ModelScore } from '../../src/finetune/eval.js';
import type { FinetuneTrainResult } from '../../src/application/finetune-train.js';

/** `finetune eval`: one column per model. */
export function evalLines(r: FinetuneEvalResult): string[] {
  const pct = (x?: number) => (x === undefined ? 'n/a' : `${Math.round(x * 100)}%`);
  const rows: [string, (s: ModelScore) => string][] = [
    ['schema-valid', (s) => `${pct(s.schemaValidRate)} (${s.schemaValid}/${s.structured})`],
    ['task-count error', (s) => (s.taskCountError === undefined ? 'n/a' : s.taskCountError.toFixed(2))],
    ['similarity (token F1)', (s) => s.similarity.toFixed(3)],
    ['latency per answer', (s) => `${Math.round(s.latencyMsMean)} ms`],
    ['tokens', (s) => s.tokens.toLocaleString('en-US')],
    ['failed calls', (s) => String(s.errors)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const cols = r.scores.map((s) => Math.max(s.model.length, ...rows.map(([, f]) => f(s).length)));
  const line = (k: string, vals: string[]) =>
    `  ${k.padEnd(w)}  ${vals.map((v, i) => v.padEnd(cols[i]!)).join('  ')}`.trimEnd();
  return [
    `finetune eval: ${r.examples} test examples of dataset ${r.dataset}`,
    line(
      '',
      r.scores.map((s) => s.model),
    ),
    ...rows.map(([k, f]) => line(k, r.scores.map(f))),
    `  stored as experiences ${r.experiences.join(', ')} (see \`task-master-local improve\`)`,
  ];
}

/** The lines `finetune train` prints after the trainer's log. */
export function trainLines(r: FinetuneTrainResult): string[] {
  return [
    `finetune train: trainer finished in ${(r.trainMs / 1000).toFixed(1)} s (${r.logLines} log lines, ${r.logPath}) on ${r.dataset}`,
    ...registerLines(r.registered),
  ];
}

/** The lines `finetune register` prints. */
export function registerLines(r: FinetuneRegisterResult): string[] {
  const how =
    r.runtime === 'ollama'
      ? `created on Ollama as ${r.entry.model} (${r.entry.endpoint}) from ${r.base}, adapter blob ${r.digest?.slice(0, 19)}…`
      : `embedded: ${r.base} with the adapter ${r.adapter}`;
  return [
    `finetune register: ${r.alias} → ${how} (${r.adapterTensors} LoRA tensor pairs${r.alpha !== undefined ? `, alpha ${r.alpha}` : ''})`,
    ...(r.check ? [`  check: schema-valid answer in ${r.check.ms} ms: ${JSON.stringify(r.check.answer)}`] : []),
    `  use it: task-master-local models --set-main ${r.alias}  ·  compare: task-master-local finetune eval ${r.alias} --against ${r.base}`,
  ];
}

/** The lines `finetune prompts` prints: one per prompt name, project prompts marked. */
export function promptLines(r: { dir: string; prompts: PromptInEffect[] }): string[] {
  const w = Math.max(...r.prompts.map((p) => p.name.length));
  const lines = r.prompts.map((p) => {
    const head = `  ${p.name.padEnd(w)}  ${p.inEffect}`;
    if (p.source === 'project') return `${head}  (project: ${p.path}; replaces ${p.packaged ?? 'nothing'})`;
    if (p.error) return `${head}  (project prompt NOT used: ${p.error}; hint: ${p.hint})`;
    return head;
  });
  const n = r.prompts.filter((p) => p.source === 'project').length;
  return [`finetune prompts: ${n} project prompt(s) in effect (${r.dir})`, ...lines];
}

/** The lines `finetune export` prints. */
export function exportLines(r: FinetuneExportResult): string[] {
  const c = r.counts;
  const by = Object.entries(c.bySource)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(' · ');
  return [
    `finetune export: ${c.examples} examples (${by}) · ${c.duplicatesRemoved} duplicates removed · ${c.secretsRedacted} secrets redacted`,
    `  split ${r.split.train}/${r.split.valid}/${r.split.test} (seed ${r.seed}): train ${c.train}${c.weightedCopies ? ` (+${c.weightedCopies} copies of done work)` : ''} · valid ${c.valid} · test ${c.test} · format ${r.format}`,
    `  prompts: ${r.prompts.join(', ') || 'none (hand-written pairs only)'}`,
    r.written ? `  dataset ${r.id} → ${r.dir}` : `  dataset ${r.id} (dry run: nothing written)`,
  ];
}
