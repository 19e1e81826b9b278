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

export interface Dataset {
  id: string;
  files: { train: string[]; valid: string[]; test: string[] };
  /** The examples of each split (after scrubbing and dedupe), for eval and prompt tuning. */
  examples: { train: Example[]; valid: Example[]; test: Example[] };
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
  contentHash: string;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Builds the dataset; pure (no I/O), linear in the examples. */
export function buildDataset(input: Example[], o: DatasetOptions, secretsRedacted = 0): Dataset {
  const seen = new Set<string>();
  const kept: { ex: Example; key: string }[] = [];
  for (const ex of input) {
    const messages = ex.messages;
    const h = createHash('sha256');
    for (const m of messages) h.update(`${m.role}\u0000${m.content}\u0001`);
    const key = h.digest('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push({ ex, key: sha(`${o.seed}\u0000${key}`) });
  }
  kept.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const n = kept.length;
  const nTrain = Math.round((n * o.split.train) / 100);
  const nValid = Math.min(n - nTrain, Math.round((n * o.split.valid) / 100));
  const parts = {
    train: kept.slice(0, nTrain).map((k) => k.ex),
    valid: kept.slice(nTrain, nTrain + nValid).map((k) => k.ex),
    test: kept.slice(nTrain + nValid).map((k) => k.ex),
  };
  const files = { train: [] as string[], valid: [] as string[], test: [] as string[] };
  let weightedCopies = 0;
  for (const name of ['train', 'valid', 'test'] as const) {
    for (const ex of parts[name]) {
      const line = formatLine(ex.messages, o.format);
      const copies = name === 'train' ? Math.max(1, ex.weight) : 1;
      for (let i = 0; i < copies; i++) files[name].push(line);
      weightedCopies += copies - 1;
    }
  }
  const bySource = Object.fromEntries(EXAMPLE_SOURCES.map((s) => [s, 0])) as Record<ExampleSource, number>;
  const prompts = new Set<string>();
  for (const { ex } of kept) {
    bySource[ex.source]++;
    if (ex.promptId) prompts.add(ex.promptId);
  }
  const h = createHash('sha256');
  for (const name of ['train', 'valid', 'test'] as const) {
    h.update(`${name}\n`);
    for (const l of files[name]) h.update(l).update('\n');
  }
  const contentHash = h.digest('hex');
  return {
    id: `ds-${contentHash.slice(0, 12)}`,
    files,
    examples: parts,
    counts: {
      examples: n,
      duplicatesRemoved: input.length - n,
      secretsRedacted,
      train: parts.train.length,
      valid: parts.valid.length,
      test: parts.test.length,
      weightedCopies,
      bySource,
    },
    prompts: [...prompts].sort(),
    contentHash,
  };
}

/** `80,10,10` → a split spec; undefined when it is not three whole numbers summing to 100. */
export function parseSplit(text: string): SplitSpec | undefined {
  const p = text.split(',').map((s) => Number(s.trim()));
  if (p.length !== 3 || p.some((x) => !Number.isInteger(x) || x < 0) || p[0]! + p[1]! + p[2]! !== 100) return undefined;
  return { train: p[0]!, valid: p[1]!, test: p[2]! };
}
