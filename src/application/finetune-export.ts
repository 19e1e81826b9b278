import { join, resolve } from 'node:path';
import { AppError } from '../errors.js';
import { buildDataset, emitDataset, SPLITS, type Dataset, type SplitName } from '../finetune/dataset.js';
import { collectExamples, type HistorySummary } from '../finetune/history.js';
import type { DatasetFormat, SplitSpec } from '../finetune/types.js';
import { FinetuneRepo } from '../storage/finetune-repo.js';
import { PrdRepo } from '../storage/prd-repo.js';
import { ResearchRepo } from '../storage/research-repo.js';
import { atomicWriteFile, StagedLines } from '../util/fs.js';
import type { Project } from './project.js';

export interface FinetuneExportOptions {
  format?: DatasetFormat;
  split?: SplitSpec;
  seed?: number;
  /** Output directory; default `.taskmaster/finetune/<dataset id>/`. */
  out?: string;
  /** Build and count, write nothing. */
  dryRun?: boolean;
}

export interface FinetuneExportResult {
  id: string;
  dir: string;
  written: boolean;
  format: DatasetFormat;
  split: SplitSpec;
  seed: number;
  counts: Dataset['counts'];
  sources: HistorySummary;
  prompts: string[];
  contentHash: string;
  files: { train: string; valid: string; test: string; manifest: string };
}

/** What `finetune export` says when there is nothing to export. */
export const EMPTY_HISTORY =
  'nothing to export yet: no parse-prd run wrote tasks that are still in tasks.json, no research answer was saved, no pair was added';

/** Builds the dataset in memory, then writes train/valid/test.jsonl and manifest.json (manifest last). */
export function finetuneExportUseCase(
  project: Project,
  o: FinetuneExportOptions = {},
): FinetuneExportResult & {
  dataset: Dataset;
} {
  const format = o.format ?? 'chat';
  const split = o.split ?? { train: 80, valid: 10, test: 10 };
  const seed = o.seed ?? 42;
  const db = project.db();
  const { examples, summary, secretsRedacted } = collectExamples({
    prd: new PrdRepo(db),
    pairs: new FinetuneRepo(db),
    research: new ResearchRepo(db),
    paths: project.paths,
  });
  if (!examples.length)
    throw new AppError('NOT_FOUND', EMPTY_HISTORY, {
      hint: 'run `task-master-local parse-prd` first (then keep, edit or finish its tasks), or add pairs with `task-master-local finetune add <input-file> <output-file>`',
    });
  const ds = buildDataset(examples, { split, seed }, secretsRedacted);
  const finetuneDir = join(project.paths.taskmasterDir, 'finetune');
  // The default directory is named by the content hash, known after the last line: the files are
  // staged beside it and renamed into place, so nothing half-written ever sits under a dataset id.
  const outDir = o.out ? resolve(project.paths.root, o.out) : undefined;
  const staged = o.dryRun ? undefined : stageFiles(outDir ?? finetuneDir);
  let emitted: { contentHash: string; id: string };
  try {
    emitted = emitDataset(ds, format, staged ? (name, line) => staged[name].write(line) : () => {});
  } catch (e) {
    for (const f of Object.values(staged ?? {})) f.discard();
    throw e;
  }
  const dir = outDir ?? join(finetuneDir, emitted.id);
  const files = {
    train: join(dir, 'train.jsonl'),
    valid: join(dir, 'valid.jsonl'),
    test: join(dir, 'test.jsonl'),
    manifest: join(dir, 'manifest.json'),
  };
  const result: FinetuneExportResult = {
    id: emitted.id,
    dir,
    written: !o.dryRun,
    format,
    split,
    seed,
    counts: ds.counts,
    sources: summary,
    prompts: ds.prompts,
    contentHash: emitted.contentHash,
    files,
  };
  if (staged) {
    try {
      for (const name of SPLITS) staged[name].commit(files[name]);
    } catch (e) {
      for (const f of Object.values(staged)) f.discard();
      throw e;
    }
    const { files: _f, written: _w, ...manifest } = result;
    atomicWriteFile(
      files.manifest,
      `${JSON.stringify({ ...manifest, createdAt: new Date().toISOString() }, null, 2)}\n`,
    );
  }
  return { ...result, dataset: ds };
}

/** One staged file per split, in `dir` (all three or none: a failure removes those already made). */
function stageFiles(dir: string): Record<SplitName, StagedLines> {
  const made: StagedLines[] = [];
  try {
    for (const name of SPLITS) made.push(new StagedLines(dir, `${name}.jsonl`));
  } catch (e) {
    for (const f of made) f.discard();
    throw e;
  }
  return { train: made[0]!, valid: made[1]!, test: made[2]! };
}
