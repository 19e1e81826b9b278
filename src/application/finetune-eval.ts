import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ValidationError } from '../errors.js';
import { scoreModel, type ModelScore } from '../finetune/eval.js';
import type { SplitSpec } from '../finetune/types.js';
import { LORA_SEPARATOR, splitLoraModel } from '../models/embedded/lora.js';
import { ModelConfigFactory } from '../models/config-factory.js';
import type { ModelRef } from '../models/types.js';
import { finetuneExportUseCase } from './finetune-export.js';
import { learningEngine } from './learning.js';
import type { Project } from './project.js';
import type { RunControls } from './run-controls.js';

export interface FinetuneEvalOptions {
  alias: string;
  /** The model to compare with; default: the base of an embedded adapter alias. */
  against?: string;
  /** At most this many test examples (default all). */
  limit?: number;
  seed?: number;
  split?: SplitSpec;
  cwd?: string;
}

export interface FinetuneEvalResult {
  dataset: string;
  examples: number;
  scores: ModelScore[];
  experiences: number[];
}

/** A model id as the model API takes it: an alias or discovered id, or a GGUF file run embedded. */
function modelSpec(project: Project, id: string, cwd: string): string | ModelRef {
  if (project.config.local.registry[id]) return id;
  const path = resolve(cwd, id);
  if (id.startsWith('ollama:') || id.endsWith('.gguf') || existsSync(path))
    return ModelConfigFactory.create('llama-cpp', id.startsWith('ollama:') ? id : path, {
      alias: basename(id),
    });
  return id;
}

/**
 * Runs the test split of the project's dataset on the alias and on the model it is compared with,
 * and records each as an experience (`improve` weighs them when proposing role changes).
 */
export async function finetuneEvalUseCase(
  project: Project,
  o: FinetuneEvalOptions,
  run: RunControls<never> = {},
): Promise<FinetuneEvalResult> {
  const cwd = o.cwd ?? project.paths.root;
  const entry = project.config.local.registry[o.alias];
  if (!entry)
    throw new ValidationError(`unknown alias ${o.alias}`, {
      hint: 'register it first with `task-master-local finetune register <adapter> --base <model> --as <alias>`',
    });
  const against = o.against ?? (entry.model.includes(LORA_SEPARATOR) ? splitLoraModel(entry.model).base : undefined);
  const ds = finetuneExportUseCase(project, {
    dryRun: true,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.split ? { split: o.split } : {}),
  });
  const test = ds.dataset.examples.test.slice(0, o.limit ?? Number.POSITIVE_INFINITY);
  if (!test.length)
    throw new ValidationError(`the test split of dataset ${ds.id} is empty (${ds.counts.examples} examples)`, {
      hint: 'export more history first, or give the test split a larger share with `finetune export --split 70,10,20`',
    });
  const api = project.api();
  const scores: ModelScore[] = [];
  for (const id of [o.alias, ...(against ? [against] : [])]) {
    run.onNote?.(`evaluating ${id} on ${test.length} test examples`);
    const s = await scoreModel(api, modelSpec(project, id, cwd), test, run.signal ? { signal: run.signal } : {});
    scores.push({ ...s, model: id });
  }
  const engine = learningEngine(project);
  const experiences: number[] = [];
  for (const s of scores) {
    const r = await engine.record({
      taskType: 'parse_prd',
      source: 'manual',
      context: { taskKind: 'finetune_eval', dataset: ds.id, examples: s.examples },
      action: { model: s.model, models: [s.model], strategy: 'finetune-eval' },
      outcome: {
        success: s.errors < s.examples,
        schemaValid: s.schemaValid === s.structured,
        ...(s.schemaValidRate !== undefined ? { schemaValidRate: s.schemaValidRate } : {}),
        latencyMs: s.latencyMsMean,
        tokens: s.tokens,
        similarity: s.similarity,
        ...(s.taskCountError !== undefined ? { taskCountError: s.taskCountError } : {}),
      },
      modelStats: [
        {
          model: s.model,
          provider: s.provider ?? 'unknown',
          taskType: 'PLANNING',
          calls: s.examples,
          ok: s.examples - s.errors,
          invalid: s.structured - s.schemaValid,
          errors: Math.max(0, s.errors - (s.structured - s.schemaValid)),
          tokens: s.tokens,
          durationMs: s.latencyMsMean * s.examples,
        },
      ],
    });
    if (r.id !== undefined) experiences.push(r.id);
  }
  return { dataset: ds.id, examples: test.length, scores, experiences };
}
