import type { Command } from 'commander';
import { z } from 'zod';
import { finetuneAddUseCase } from '../src/application/finetune-add.js';
import { finetuneEvalUseCase } from '../src/application/finetune-eval.js';
import { finetuneExportUseCase } from '../src/application/finetune-export.js';
import { finetunePromptsUseCase } from '../src/application/finetune-prompts.js';
import { parseSplit } from '../src/finetune/dataset.js';
import { DATASET_FORMATS } from '../src/finetune/types.js';
import { intFlag, parseFlags } from './shared/flags.js';
import { io, printJson } from './shared/output.js';
import { withProject } from './shared/project.js';
import { registerWeights } from './finetune-weights.js';
import { withInterrupt } from './shared/interrupt.js';
import { evalLines, exportLines, promptLines } from './views/finetune-text.js';

const say = (lines: string[]) => lines.forEach((l) => io.out(l));
const Json = z.object({ json: z.boolean().default(false) });
const Export = Json.extend({
  format: z.enum(DATASET_FORMATS).default('chat'),
  split: z
    .string()
    .default('80,10,10')
    .transform((s, ctx) => {
      const v = parseSplit(s);
      if (!v) ctx.addIssue({ code: 'custom', message: 'three whole percentages summing to 100, e.g. 80,10,10' });
      return v ?? { train: 0, valid: 0, test: 0 };
    }),
  seed: intFlag(0).default(42),
  out: z.string().min(1).optional(),
  dryRun: z.boolean().default(false),
});

async function exportCmd(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Export, raw, 'finetune export');
  await withProject({}, async (p) => {
    const { dataset: _d, ...r } = finetuneExportUseCase(p, o);
    o.json ? printJson(r) : say(exportLines(r));
  });
}

async function add(inputFile: string, outputFile: string, raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Json, raw, 'finetune add');
  await withProject({}, async (p) => {
    const r = finetuneAddUseCase(p, { inputFile, outputFile });
    o.json
      ? printJson(r)
      : io.out(
          r.added
            ? `finetune add: pair ${r.id} stored (${r.inputChars} → ${r.outputChars} characters)`
            : `finetune add: the same pair is already stored (pair ${r.id}); nothing added`,
        );
  });
}

async function prompts(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Json, raw, 'finetune prompts');
  await withProject({}, async (p) => {
    const r = finetunePromptsUseCase(p);
    o.json ? printJson(r) : say(promptLines(r));
  });
}

const Eval = Json.extend({
  split: Export.shape.split,
  against: z.string().min(1).optional(),
  limit: intFlag(1).optional(),
  seed: intFlag(0).optional(),
});

async function evaluate(alias: string, raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Eval, raw, 'finetune eval');
  await withProject({}, async (p) => {
    const r = await withInterrupt((signal) =>
      finetuneEvalUseCase(
        p,
        {
          alias,
          cwd: process.cwd(),
          ...(o.against ? { against: o.against } : {}),
          limit: o.limit,
          seed: o.seed,
          split: o.split,
        },
        { signal, onNote: (n) => !o.json && io.err(`  ${n}`) },
      ),
    );
    o.json ? printJson(r) : say(evalLines(r));
  });
}

/** Registers `finetune` and its subcommands. */
export function register(program: Command): void {
  const cmd = program
    .command('finetune')
    .description('datasets from the project history, project prompts, LoRA adapters, evaluation');
  cmd
    .command('export')
    .description('write train/valid/test.jsonl and manifest.json from parse-prd runs, saved research and added pairs')
    .option('--format <format>', `${DATASET_FORMATS.join(' | ')}`, 'chat')
    .option('--split <train,valid,test>', 'percentages', '80,10,10')
    .option('--seed <n>', 'seed of the deterministic split', '42')
    .option('--out <dir>', 'output directory (default .taskmaster/finetune/<dataset id>/)')
    .option('--dry-run', 'count only, write nothing')
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => exportCmd(opts));
  cmd
    .command('add <input-file> <output-file>')
    .description('add a hand-written pair: the prompt in one file, the wanted answer in the other')
    .option('--json', 'print only JSON on stdout')
    .action(async (i: string, out: string, opts: Record<string, unknown>) => add(i, out, opts));
  cmd
    .command('prompts')
    .description(
      "which prompt is in effect for each name: packaged, or the project's .taskmaster/prompts/<name>/v<N>.md",
    )
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => prompts(opts));
  registerWeights(cmd);
  cmd
    .command('eval <alias>')
    .description('run the test split on the alias and on --against, side by side; stored as experiences for improve')
    .option('--against <model>', 'the model to compare with (default: the base of an embedded adapter alias)')
    .option('--limit <n>', 'at most n test examples')
    .option('--seed <n>', 'seed of the split (as in finetune export)')
    .option('--split <train,valid,test>', 'percentages (as in finetune export)', '80,10,10')
    .option('--json', 'print only JSON on stdout')
    .action(async (alias: string, opts: Record<string, unknown>) => evaluate(alias, opts));
}
