import type { Command } from 'commander';
import { z } from 'zod';
import { finetuneRegisterUseCase } from '../src/application/finetune-register.js';
import { finetuneTrainUseCase } from '../src/application/finetune-train.js';
import { intFlag, parseFlags } from './shared/flags.js';
import { withInterrupt } from './shared/interrupt.js';
import { io, printJson } from './shared/output.js';
import { withProject } from './shared/project.js';
import { registerLines, trainLines } from './views/finetune-text.js';

// `finetune register | train`: LoRA adapters attached to a base model and saved as an alias.

const say = (lines: string[]) => lines.forEach((l) => io.out(l));
const Json = z.object({ json: z.boolean().default(false) });
const Register = Json.extend({
  base: z.string().min(1),
  as: z.string().min(1),
  check: z.boolean().default(true),
});

async function register_(adapter: string, raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Register, raw, 'finetune register');
  await withProject({}, async (p) => {
    const r = await withInterrupt((signal) =>
      finetuneRegisterUseCase(
        p,
        { adapter, base: o.base, alias: o.as, check: o.check, cwd: process.cwd() },
        { signal, onNote: (n) => !o.json && io.err(`  ${n}`) },
      ),
    );
    o.json ? printJson(r) : say(registerLines(r));
  });
}

const Train = Register.extend({
  trainer: z.string().min(1),
  dataset: z.string().min(1).optional(),
  idleTimeout: intFlag(1).default(600),
});

async function train(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(Train, raw, 'finetune train');
  await withProject({}, async (p) => {
    const r = await withInterrupt((signal) =>
      finetuneTrainUseCase(
        p,
        {
          trainer: o.trainer,
          base: o.base,
          alias: o.as,
          idleTimeoutS: o.idleTimeout,
          cwd: process.cwd(),
          ...(o.dataset ? { dataset: o.dataset } : {}),
        },
        { signal, onNote: (n) => !o.json && io.err(`  ${n}`) },
      ),
    );
    o.json ? printJson(r) : say(trainLines(r));
  });
}

/** Registers `finetune register` and `finetune train` under `finetune`. */
export function registerWeights(cmd: Command): void {
  cmd
    .command('register <adapter>')
    .description(
      'register a LoRA adapter (GGUF) with its base: an Ollama model (created from a blob) or an embedded GGUF',
    )
    .requiredOption('--base <model>', 'the base: an Ollama model name, a GGUF path, ollama:<name>, or an alias')
    .requiredOption('--as <alias>', 'the alias to register (usable as a role like any model)')
    .option('--no-check', 'skip the structured test question before saving the alias')
    .option('--json', 'print only JSON on stdout')
    .action(async (adapter: string, opts: Record<string, unknown>) => register_(adapter, opts));
  cmd
    .command('train')
    .description('run a trainer on the exported dataset, stream its log, register the adapter it writes')
    .requiredOption('--trainer <template>', 'command with {dataset} {base} {output}, e.g. see docs/finetune.md')
    .requiredOption('--base <model>', 'the base model (Ollama name, GGUF path, ollama:<name> or alias)')
    .requiredOption('--as <alias>', 'the alias to register the result as')
    .option('--dataset <dir>', 'a dataset written by finetune export (default: export now)')
    .option('--idle-timeout <s>', 'seconds without trainer output before it counts as hung', '600')
    .option('--no-check', 'skip the structured test question before saving the alias')
    .option('--json', 'print only JSON on stdout')
    .action(async (opts: Record<string, unknown>) => train(opts));
}
