import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../src/errors.js';
import { openProject } from '../src/application/project.js';
import { ModelConfigurationManager, type ConfigChanges } from '../src/models/config-manager.js';
import { buildModelsOverview, resolveRoleIds } from '../src/models/overview.js';
import { atomicWriteFile } from '../src/util/fs.js';
import { io, printJson } from './shared/output.js';
import { renderModelsText } from './views/models-text.js';

const Options = z
  .object({
    setMain: z.string().optional(),
    setResearch: z.string().optional(),
    setFallback: z.string().optional(),
    mode: z.string().min(1).optional(),
    add: z.string().min(1).optional(),
    provider: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    endpoint: z.string().min(1).optional(),
    capabilities: z.string().optional(),
    contextLength: z.coerce.number().int().positive().optional(),
    remove: z.string().min(1).optional(),
    export: z.string().min(1).optional(),
    import: z.string().min(1).optional(),
    json: z.boolean().optional(),
  })
  .strict();
type Options = z.infer<typeof Options>;

function parseOptions(raw: unknown): Options {
  const r = Options.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ValidationError(
      `--${String(i.path[0] ?? '?').replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}: ${i.message}`,
      {
        hint: 'see `task-master-local models --help`',
      },
    );
  }
  const o = r.data;
  if (o.add && (!o.provider || !o.model)) {
    throw new ValidationError('--add needs --provider and --model', {
      hint: 'e.g. models --add local-coder --provider ollama --model qwen2.5-coder:7b',
    });
  }
  if (!o.add && (o.provider || o.model || o.endpoint || o.capabilities || o.contextLength)) {
    throw new ValidationError('--provider/--model/--endpoint/--capabilities only go with --add <alias>', {
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
  const project = await openProject({ cwd, env: process.env, flags: {} });
  try {
    const { config } = project;
    const manager = new ModelConfigurationManager(config.configPath, { trustedHosts: config.local.trustedHosts });
    if (o.export) {
      const text = manager.exportConfig();
      if (o.export === '-') io.out(text);
      else atomicWriteFile(resolve(cwd, o.export), text);
      if (o.export !== '-')
        o.json
          ? printJson({ exported: resolve(cwd, o.export) })
          : io.out(`exported ${config.configPath} to ${o.export} (secrets redacted)`);
      return;
    }
    if (o.import) {
      let text: string;
      try {
        text = readFileSync(resolve(cwd, o.import), 'utf8');
      } catch (e) {
        throw new ValidationError(
          `cannot read ${o.import}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          { hint: 'give the path of a file written by `models --export`' },
        );
      }
      manager.importConfig(text, o.import);
      return void (o.json
        ? printJson({ imported: o.import, config: config.configPath })
        : io.out(`imported ${o.import} into ${config.configPath}`));
    }
    const ids = { main: o.setMain, research: o.setResearch, fallback: o.setFallback };
    const changes: ConfigChanges = {};
    if (o.mode) changes.mode = o.mode;
    if (o.remove) changes.removeAlias = o.remove;
    if (o.add) {
      const capabilities = o.capabilities
        ?.split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      changes.addAlias = {
        alias: o.add,
        provider: o.provider!,
        model: o.model!,
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        ...(capabilities ? { capabilities } : {}),
        ...(o.contextLength ? { contextLength: o.contextLength } : {}),
      };
    }
    if (Object.values(ids).some((v) => v !== undefined))
      changes.roles = await resolveRoleIds(await project.catalog(), ids);
    if (Object.keys(changes).length) {
      const r = manager.apply(changes);
      if (o.json) return printJson({ changed: r, config: config.configPath });
      for (const [role, rc] of Object.entries(r.roles))
        io.out(`${role}: ${rc.provider} ${rc.modelId}${rc.baseURL ? ` @ ${rc.baseURL}` : ''}`);
      if (r.mode) io.out(`mode: ${r.mode}`);
      if (r.alias) io.out(`${r.replaced ? 'replaced' : 'added'} alias ${o.add} → ${r.alias.provider} ${r.alias.model}`);
      if (o.remove) io.out(`removed alias ${o.remove}`);
      io.out(`saved to ${config.configPath}`);
      return;
    }
    const overview = await buildModelsOverview(config, await project.catalog());
    if (o.json) printJson(overview);
    else io.out(renderModelsText(overview));
  } finally {
    project.close();
  }
}

/** `models`: show roles, mode and discovered models; set roles, mode and aliases; export/import. */
export function register(program: Command): void {
  program
    .command('models')
    .description('show configured roles, the mode and the models on every local server; change them')
    .option('--set-main <id>', 'main model (alias such as local-llama3.2, or id such as llama3.2)')
    .option('--set-research <id>', 'research model')
    .option('--set-fallback <id>', 'fallback model')
    .option('--mode <mode>', 'deployment mode: LOCAL_ONLY, EXTERNAL_ONLY, HYBRID, LOCAL_PREFERRED, EXTERNAL_PREFERRED')
    .option('--add <alias>', 'add a registry alias (with --provider and --model)')
    .option(
      '--provider <provider>',
      'provider of --add: ollama, lmstudio, localai, openai-compatible, llama-cpp, anthropic, openai, perplexity',
    )
    .option('--model <model>', 'model id of --add')
    .option('--endpoint <url>', 'server URL of --add')
    .option(
      '--capabilities <list>',
      'comma-separated task types of --add (GENERAL, RESEARCH, CODE_GENERATION, ANALYSIS, PLANNING, OPTIMIZATION, EMBEDDING)',
    )
    .option('--context-length <n>', 'context length of --add')
    .option('--remove <alias>', 'remove a registry alias')
    .option('--export <file>', 'write config.json with secrets redacted ("-" for stdout)')
    .option('--import <file>', 'import a file written by --export')
    .option('--json', 'machine-readable output')
    .action(async (opts: Record<string, unknown>) => run(opts));
}
