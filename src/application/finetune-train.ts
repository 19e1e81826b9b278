import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ValidationError } from '../errors.js';
import { runTrainer } from '../finetune/trainer.js';
import { finetuneExportUseCase } from './finetune-export.js';
import { finetuneRegisterUseCase, type FinetuneRegisterResult } from './finetune-register.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';

export interface FinetuneTrainOptions {
  /** Command template with {dataset}, {base} and {output}. */
  trainer: string;
  base: string;
  alias: string;
  /** A dataset directory (train/valid/test.jsonl); default: export the history now. */
  dataset?: string;
  /** Seconds without trainer output before it counts as hung (default 600). */
  idleTimeoutS?: number;
  cwd?: string;
}

export interface FinetuneTrainResult {
  dataset: string;
  command: string;
  logPath: string;
  logLines: number;
  trainMs: number;
  output: string;
  registered: FinetuneRegisterResult;
}

/** The adapter the trainer wrote: `{output}` itself, or the one .gguf inside it when it is a directory. */
function adapterFile(output: string): string | undefined {
  if (!existsSync(output)) return undefined;
  if (!statSync(output).isDirectory()) return output;
  const ggufs = readdirSync(output).filter((f) => f.endsWith('.gguf'));
  return ggufs.length === 1 ? join(output, ggufs[0]!) : undefined;
}

/**
 * Runs a trainer on a dataset, streaming its log (run.onNote), then registers the adapter it wrote
 * under `alias`. A trainer that fails or hangs, or writes no GGUF adapter, registers nothing.
 */
export async function finetuneTrainUseCase(
  project: Project,
  o: FinetuneTrainOptions,
  run: RunControls<never> = {},
): Promise<FinetuneTrainResult> {
  const cwd = o.cwd ?? project.paths.root;
  let dataset: string;
  if (o.dataset) {
    dataset = resolve(cwd, o.dataset);
    if (!existsSync(join(dataset, 'train.jsonl')))
      throw new ValidationError(`--dataset: ${dataset} holds no train.jsonl`, {
        hint: 'point it at a directory written by `task-master-local finetune export`',
      });
  } else dataset = finetuneExportUseCase(project).dir;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(project.paths.taskmasterDir, 'finetune', 'runs', `${o.alias.replace(/[^\w.-]/g, '_')}-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const output = join(dir, 'adapter.gguf');
  const logPath = join(dir, 'train.log');
  const t = await runTrainer({
    template: o.trainer,
    dataset,
    base: o.base,
    output,
    cwd,
    logPath,
    idleMs: (o.idleTimeoutS ?? 600) * 1000,
    ...(run.onNote ? { onLine: run.onNote } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
  });
  const adapter = adapterFile(output);
  if (!adapter)
    throw new ValidationError(`the trainer finished but wrote no GGUF adapter at ${output}`, {
      hint: "make the template write a GGUF LoRA adapter to {output} (for safetensors adapters, add llama.cpp's convert_lora_to_gguf.py; see docs/finetune.md); no alias registered",
    });
  const registered = await finetuneRegisterUseCase(project, { adapter, base: o.base, alias: o.alias, cwd }, run);
  return { dataset, command: t.command, logPath, logLines: t.lines, trainMs: t.ms, output: adapter, registered };
}
