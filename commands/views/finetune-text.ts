import type { FinetuneExportResult } from '../../src/application/finetune-export.js';

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
