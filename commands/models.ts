import type { Command } from 'commander';
import { z } from 'zod';
import { modelsExportUseCase } from '../src/application/models-export.js';
import { modelsImportUseCase } from '../src/application/models-import.js';
import { modelsListUseCase } from '../src/application/models-list.js';
import { modelsSetUseCase } from '../src/application/models-set.js';
import { ValidationError } from '../src/errors.js';
import { intFlag, parseFlags } from './shared/flags.js';
import { io, printJson } from './shared/output.js';
import { withProject } from './shared/project.js';
import { changeLines, importLines, renderModelsText } from './views/models-text.js';

const Options = z
  .object({
    setMain: z.string().optional(),
    setResearch: z.string().optional(),
    setFallback: z.string().optional(),
    mode: z.string().min(1).optional(),
    add: z.string().min(1).optional(),
    provider: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    endpoint: z.array(z.string().min(1)).optional(),
    capacity: intFlag(1, 1024).optional(),
    capabilities: z.string().optional(),
    contextLength: intFlag(1).optional(),
    tier: z.string().min(1).optional(),
    remove: z.string().min(1).optional(),
    export: z.string().min(1).optional(),
    import: z.string().min(1).optional(),
    json: z.boolean().default(false),
  })
  .strict();
type Options = z.infer<typeof Options>;

function parseOptions(raw: unknown): Options {
  const o = parseFlags(Options, raw, 'models');
  if (o.add && (!o.provider || !o.model)) {
    throw new ValidationError('--add needs --provider and --model', {
      hint: 'e.g. models --add local-coder --provider ollama --model qwen2.5-coder:7b',
    });
  }
  if (!o.add && (o.provider || o.model || o.endpoint || o.capabilities || o.contextLength || o.tier)) {
    throw new ValidationError('--provider/--model/--endpoint/--capabilities/--tier only go with --add <alias>', {
      hint: 'e.g. models --add my-model --provider ollama --model llama3.2',
    });
  }
  const changes = [o.setMain, o.setResearch, o.setFallback, o.mode, o.add, o.remove].some((v) => v !== undefined);
  if ((o.export || o.import) && (changes || (o.export && o.import))) {
    throw new ValidationError('--export and --import cannot be combined with other changes', {
      hint: 'run them as separate commands',
    });
  }
  return o;
}

async function run(raw: Record<string, unknown>): Promise<void> {
  const o = parseOptions(raw);
  const cwd = process.cwd();
  await withProject({}, async (project) => {
    const configPath = project.config.configPath;
    if (o.export) {
      if (o.export === '-') return io.out(modelsExportUseCase(project).text);
      const r = modelsExportUseCase(project, { path: o.export, cwd });
      return o.json
        ? printJson({ exported: r.path })
        : io.out(`exported ${configPath} to ${o.export} (secrets redacted)`);
    }
    if (o.import) {
      const r = await modelsImportUseCase(project, { path: o.import, cwd });
      if (o.json) return printJson({ ...r, config: configPath });
      for (const l of importLines(r, o.import)) io.out(l);
      return;
    }
    const roles = { main: o.setMain, research: o.setResearch, fallback: o.setFallback };
    const capabilities = o.capabilities
      ?.split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const add = o.add
      ? {
          alias: o.add,
          provider: o.provider!,
          model: o.model!,
          // Several --endpoint: one model on several servers (a pool).
          ...(o.endpoint?.length ? { endpoints: o.endpoint } : {}),
          ...(o.capacity ? { capacity: o.capacity } : {}),
          ...(capabilities ? { capabilities } : {}),
          ...(o.contextLength ? { contextLength: o.contextLength } : {}),
          ...(o.tier ? { tier: o.tier } : {}),
        }
      : undefined;
    if (add || o.remove || o.mode || Object.values(roles).some((v) => v !== undefined)) {
      const r = await modelsSetUseCase(project, {
        roles,
        ...(o.mode ? { mode: o.mode } : {}),
        ...(add ? { add } : {}),
        ...(o.remove ? { remove: o.remove } : {}),
      });
      if (o.json) return printJson({ changed: r, config: configPath });
      for (const l of changeLines(r, { add: o.add, remove: o.remove, configPath, endpoints: o.endpoint })) io.out(l);
      return;
    }
    const overview = await modelsListUseCase(project);
    o.json ? printJson(overview) : io.out(renderModelsText(overview));
  });
}

/** `models`: show roles, mode and discovered models; set roles, mode and aliases; export/import. */
export function register(program: Command): void {
  program
    .command('models')
    .description('show configured roles, the mode and the models on every local server; change them')
    .option('--set-main <id>', 'main model (alias such as local-llama3.2, or id such as llama3.2)')
    .option('--set-research <id>', 'research model')
    .option('--set-fallback <id>', 'fallback model')
    .option(
      '--mode <mode>',
      'save the deployment mode: LOCAL_ONLY, EXTERNAL_ONLY, HYBRID, LOCAL_PREFERRED, EXTERNAL_PREFERRED',
    )
    .option('--add <alias>', 'add a registry alias (with --provider and --model)')
    .option(
      '--provider <provider>',
      'provider of --add: ollama, lmstudio, localai, openai-compatible, llama-cpp, anthropic, openai, perplexity (or OLLAMA, LM_STUDIO, LOCAL_AI, …)',
    )
    .option('--model <model>', 'model id of --add')
    .option(
      '--endpoint <url>',
      'server URL of --add; repeat it for a pool (the same model on several servers)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--capacity <n>',
      'requests each endpoint of --add runs at once (default: what the server says, else learned)',
    )
    .option(
      '--capabilities <list>',
      'comma-separated task types of --add (GENERAL, RESEARCH, CODE_GENERATION, ANALYSIS, PLANNING, OPTIMIZATION, SPECIALIZED, EMBEDDING)',
    )
    .option('--context-length <n>', 'context length of --add')
    .option('--tier <tier>', 'tier of --add: SMALL, MEDIUM, LARGE, SPECIALIZED (default: guessed from the size)')
    .option('--remove <alias>', 'remove a registry alias')
    .option('--export <file>', 'write config.json with secrets redacted ("-" for stdout)')
    .option('--import <file>', "import a file written by --export, or the specification's configuration shape")
    .option('--json', 'machine-readable output')
    .action(async (opts: Record<string, unknown>) => run(opts));
}
