/**
 * From examples (already scrubbed at their sources, see history.ts) to a dataset: duplicates removed, a deterministic split (an example's place depends on its content and the seed
 * only), and the JSONL lines of each split with examples of done work repeated in train.
 */
import { createHash } from 'node:crypto';
import { formatLine } from './formats.js';
import { EXAMPLE_SOURCES, type DatasetFormat, type Example, type ExampleSource, type SplitSpec } from './types.js';

export interface DatasetOptions {
  format: DatasetFormat;
  split: SplitSpec;
  seed: number;
}

export const SPLITS = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface Dataset {
  /** The examples of each split (after scrubbing and dedupe), in file order. */
  examples: Record<SplitName, Example[]>;
  counts: {
    examples: number;
    duplicatesRemoved: number;
    secretsRedacted: number;
    train: number;
    valid: number;
    test: number;
    /** Extra train lines from examples of done work. */
    weightedCopies: number;
    bySource: Record<ExampleSource, number>;
  };
  prompts: string[];
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Dedupes and splits the examples; pure (no I/O), linear in the examples. */
export function buildDataset(input: Example[], o: Omit<DatasetOptions, 'format'>, secretsRedacted = 0): Dataset {
  const seen = new Set<string>();
  const kept: { ex: Example; key: string }[] = [];
  for (const ex of input) {
    const h = createHash('sha256');
    for (const m of ex.messages) h.update(m.role).update('\u0000').update(m.content).update('\u0001');
    const key = h.digest('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push({ ex, key: sha(`${o.seed}\u0000${key}`) });
  }
  kept.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const n = kept.length;
  const nTrain = Math.round((n * o.split.train) / 100);
  const nValid = Math.min(n - nTrain, Math.round((n * o.split.valid) / 100));
  const examples = {
    train: kept.slice(0, nTrain).map((k) => k.ex),
    valid: kept.slice(nTrain, nTrain + nValid).map((k) => k.ex),
    test: kept.slice(nTrain + nValid).map((k) => k.ex),
  };
  const weightedCopies = examples.train.reduce((s, ex) => s + Math.max(1, ex.weight) - 1, 0);
  const bySource = Object.fromEntries(EXAMPLE_SOURCES.map((s) => [s, 0])) as Record<ExampleSource, number>;
  const prompts = new Set<string>();
  for (const { ex } of kept) {
    bySource[ex.source]++;
    if (ex.promptId) prompts.add(ex.promptId);
  }
  return {
    examples,
    counts: {
      examples: n,
      duplicatesRemoved: input.length - n,
      secretsRedacted,
      train: examples.train.length,
      valid: examples.valid.length,
      test: examples.test.length,
      weightedCopies,
      bySource,
    },
    prompts: [...prompts].sort(),
  };
}

/**
 * Renders the three JSONL files line by line, in file order (train lines of done work repeated), each
 * line formatted once and handed to `sink` as it is made, so no file is held in memory. Returns the
 * content hash of the three files (each file's name and lines) and the dataset id derived from it.
 */
export function emitDataset(
  ds: Dataset,
  format: DatasetFormat,
  sink: (split: SplitName, line: string) => void,
): { contentHash: string; id: string } {
  const h = createHash('sha256');
  for (const name of SPLITS) {
    h.update(`${name}\n`);
    for (const ex of ds.examples[name]) {
      const line = formatLine(ex.messages, format);
      const copies = name === 'train' ? Math.max(1, ex.weight) : 1;
      for (let i = 0; i < copies; i++) {
        h.update(line).update('\n');
        sink(name, line);
      }
    }
  }
  const contentHash = h.digest('hex');
  return { contentHash, id: `ds-${contentHash.slice(0, 12)}` };
}

/** `80,10,10` → a split spec; undefined when it is not three whole numbers summing to 100. */
export function parseSplit(text: string): SplitSpec | undefined {
  const p = text.split(',').map((s) => Number(s.trim()));
  if (p.length !== 3 || p.some((x) => !Number.isInteger(x) || x < 0) || p[0]! + p[1]! + p[2]! !== 100) return undefined;
  return { train: p[0]!, valid: p[1]!, test: p[2]! };
}
